//! The one error type of the HTTP boundary.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use microlith_protocol::v1::{ErrorBody, ErrorCode};
use microlith_runtime::{CallError, DeployError};

/// An error answered to an HTTP client: a stable code and a message.
/// Internal details are logged here once and not sent to the client.
#[derive(Debug)]
pub struct ApiError {
    /// Stable code.
    pub code: ErrorCode,
    /// Message for the client.
    pub message: String,
}

impl ApiError {
    /// Builds an error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if self.code == ErrorCode::Internal {
            tracing::error!(message = %self.message, "internal error");
            "internal server error (see the server log)".to_string()
        } else {
            self.message
        };
        (status, axum::Json(ErrorBody::new(self.code, message))).into_response()
    }
}

impl From<CallError> for ApiError {
    fn from(e: CallError) -> Self {
        Self::from(&e)
    }
}

impl From<&CallError> for ApiError {
    fn from(e: &CallError) -> Self {
        let code = match e {
            CallError::UnknownClass(_) => ErrorCode::UnknownClass,
            CallError::InvalidName(_) => ErrorCode::InvalidName,
            CallError::UnknownMethod(_) => ErrorCode::UnknownMethod,
            CallError::BadRequest(_) => ErrorCode::BadRequest,
            CallError::Guest(_) => ErrorCode::GuestError,
            CallError::Trap(_) => ErrorCode::GuestTrap,
            CallError::DeadlineExceeded(_) => ErrorCode::DeadlineExceeded,
            CallError::MemoryLimit(_) => ErrorCode::MemoryLimitExceeded,
            CallError::TooLarge { .. } => ErrorCode::PayloadTooLarge,
            CallError::Overloaded(_) => ErrorCode::Overloaded,
            CallError::CommitFailed(_) => ErrorCode::CommitFailed,
            CallError::ShuttingDown => ErrorCode::ShuttingDown,
            _ => ErrorCode::Internal,
        };
        Self::new(code, e.to_string())
    }
}

impl From<DeployError> for ApiError {
    fn from(e: DeployError) -> Self {
        let code = match &e {
            DeployError::InvalidName(_) => ErrorCode::InvalidName,
            DeployError::InvalidComponent(_) => ErrorCode::InvalidComponent,
            DeployError::TooLarge { .. } => ErrorCode::PayloadTooLarge,
            DeployError::UnknownVersion { .. } => ErrorCode::NotFound,
            DeployError::UnknownClass(_) => ErrorCode::UnknownClass,
            DeployError::SelfCheckFailed(_) => ErrorCode::SelfCheckFailed,
            DeployError::NoRollout(_) => ErrorCode::NoRollout,
            _ => ErrorCode::Internal,
        };
        Self::new(code, e.to_string())
    }
}

impl From<microlith_core::NameError> for ApiError {
    fn from(e: microlith_core::NameError) -> Self {
        Self::new(ErrorCode::InvalidName, e.to_string())
    }
}
