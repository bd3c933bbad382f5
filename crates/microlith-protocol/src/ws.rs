//! Frames of the WebSocket protocol, version 1 (`docs/protocol.md`).
//!
//! Every frame is a JSON object in a text message, tagged by `op`.
//! [`ClientFrame`] is what a client sends, [`ServerFrame`] what the server
//! sends. Payloads, views and patches are carried as raw JSON
//! ([`RawValue`]) so that neither side re-encodes what it only forwards.
//!
//! [`ClientFrame::decode`] is the one place the server turns untrusted text
//! into a frame; it never panics and names what was wrong (it is fuzzed, see
//! `fuzz/`).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::v1::ErrorCode;

/// The protocol version this crate describes.
pub const PROTOCOL_VERSION: u32 = 1;

/// Longest idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// A frame from the client.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Opens the session; must be the first frame.
    Hello {
        /// Protocol version the client speaks.
        protocol: u32,
        /// A signed JWT whose `sub` is the principal.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// Calls a method of an actor.
    Call(CallFrame),
    /// Subscribes to an actor's view; `id` names the subscription.
    Subscribe {
        /// Request id and subscription id.
        id: u64,
        /// `class/key`.
        actor: String,
        /// Where a reconnecting client left off.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
    },
    /// Ends a subscription.
    Unsubscribe {
        /// Request id.
        id: u64,
        /// The subscription.
        sub: u64,
    },
    /// Asks for a `pong`.
    Ping {
        /// Request id.
        id: u64,
    },
}

/// A call: `{"op":"call", …}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallFrame {
    /// Request id, echoed in the answer.
    pub id: u64,
    /// `class/key`.
    pub actor: String,
    /// Method name.
    pub method: String,
    /// JSON payload; `None` sends empty bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Box<RawValue>>,
    /// Runs the call at most once per key and actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// The last point of a subscription a client applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The epoch of the view history.
    pub epoch: String,
    /// The last sequence number applied.
    pub seq: u64,
}

/// Why a client frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not a JSON object with a string `op`.
    #[error("the frame is not a JSON object with an \"op\" field: {0}")]
    NotAnObject(String),
    /// `op` is not known.
    #[error("unknown op {0:?}")]
    UnknownOp(String),
    /// A known op with missing or mistyped fields.
    #[error("invalid {op:?} frame: {detail}")]
    Invalid {
        /// The op.
        op: String,
        /// What serde said.
        detail: String,
    },
}

impl FrameError {
    /// The wire code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnknownOp(_) => ErrorCode::UnknownOp,
            Self::NotAnObject(_) | Self::Invalid { .. } => ErrorCode::InvalidFrame,
        }
    }
}

/// Just enough of a frame to name its op and id in an error answer.
#[derive(Deserialize)]
struct Peek {
    op: String,
    #[serde(default)]
    id: Option<u64>,
}

const OPS: [&str; 5] = ["hello", "call", "subscribe", "unsubscribe", "ping"];

impl ClientFrame {
    /// Decodes one text message. On failure also returns the frame's `id`
    /// when it could be read, so the error can be addressed to it.
    pub fn decode(text: &str) -> Result<Self, (FrameError, Option<u64>)> {
        let peek: Peek = serde_json::from_str(text).map_err(|e| (FrameError::NotAnObject(e.to_string()), None))?;
        if !OPS.contains(&peek.op.as_str()) {
            return Err((FrameError::UnknownOp(peek.op), peek.id));
        }
        let invalid =
            |e: serde_json::Error| (FrameError::Invalid { op: peek.op.clone(), detail: e.to_string() }, peek.id);
        // Frames with raw JSON inside are decoded as their own struct: serde
        // cannot buffer a `RawValue` through an internally tagged enum.
        let frame = if peek.op == "call" {
            Self::Call(serde_json::from_str(text).map_err(invalid)?)
        } else {
            serde_json::from_str(text).map_err(invalid)?
        };
        if let Self::Call(CallFrame { idempotency_key: Some(k), .. }) = &frame
            && (k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY_LEN)
        {
            let detail = format!("idempotency_key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} bytes");
            return Err((FrameError::Invalid { op: peek.op, detail }, peek.id));
        }
        Ok(frame)
    }
}

/// A frame from the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The session is open.
    Welcome {
        /// Protocol version.
        protocol: u32,
        /// The connection's principal (`None`: anonymous).
        principal: Option<String>,
        /// Interval of the server's pings.
        heartbeat_ms: u64,
        /// Largest frame the server accepts.
        max_frame_bytes: usize,
    },
    /// A call's reply, or `null` for an unsubscribe.
    Result(ResultFrame),
    /// A request or a subscription failed.
    Error {
        /// The request id, if the failed frame had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// The subscription that ended, for view errors.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sub: Option<u64>,
        /// Stable error code.
        code: ErrorCode,
        /// Human-readable message.
        message: String,
    },
    /// The whole view.
    Snapshot(SnapshotFrame),
    /// A resumed subscription: the missed deltas follow.
    Resumed {
        /// The subscription.
        sub: u64,
        /// The epoch.
        epoch: String,
        /// The sequence number the client had.
        seq: u64,
    },
    /// A change of the view: an RFC 6902 patch from `base` to `seq`.
    Delta(DeltaFrame),
    /// Answer to a ping.
    Pong {
        /// The request id.
        id: u64,
    },
    /// The server ends the session.
    Goodbye {
        /// Why, as a stable word (`unauthorized`, `shutting_down`, …).
        reason: String,
        /// Details.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

/// `{"op":"result", …}`: a call's reply, or `null` for an unsubscribe.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultFrame {
    /// The request id.
    pub id: u64,
    /// The reply (JSON).
    pub payload: Box<RawValue>,
}

/// `{"op":"snapshot", …}`: the whole view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotFrame {
    /// The subscription.
    pub sub: u64,
    /// The history `seq` counts in.
    pub epoch: String,
    /// The view's sequence number.
    pub seq: u64,
    /// The view (JSON; `null` when the actor shows nothing).
    pub view: Box<RawValue>,
}

/// `{"op":"delta", …}`: a change of the view: an RFC 6902 patch from `base` to `seq`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeltaFrame {
    /// The subscription.
    pub sub: u64,
    /// The epoch.
    pub epoch: String,
    /// The sequence number the patch applies to.
    pub base: u64,
    /// The sequence number after the patch.
    pub seq: u64,
    /// The JSON Patch (an array of operations).
    pub patch: Box<RawValue>,
}

impl ServerFrame {
    /// Encodes the frame as JSON text.
    pub fn encode(&self) -> String {
        // Serializing these types cannot fail: every field is a string,
        // number, bool, option or already-valid raw JSON.
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"op":"error","code":"internal","message":"encoding a frame failed: {e}"}}"#)
        })
    }

    /// Decodes server text (for clients).
    pub fn decode(text: &str) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Op<'a> {
            #[serde(borrow)]
            op: std::borrow::Cow<'a, str>,
        }
        let op: Op<'_> = serde_json::from_str(text)?;
        // See `ClientFrame::decode` for why these are decoded on their own.
        match op.op.as_ref() {
            "result" => serde_json::from_str(text).map(Self::Result),
            "snapshot" => serde_json::from_str(text).map(Self::Snapshot),
            "delta" => serde_json::from_str(text).map(Self::Delta),
            _ => serde_json::from_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (FrameError, Option<u64>) {
        ClientFrame::decode(text).expect_err("should fail")
    }

    #[test]
    fn decodes_every_op() {
        assert!(matches!(
            ClientFrame::decode(r#"{"op":"hello","protocol":1}"#),
            Ok(ClientFrame::Hello { protocol: 1, token: None })
        ));
        let call = ClientFrame::decode(r#"{"op":"call","id":3,"actor":"a/b","method":"m","payload":{"x":[1,2]}}"#);
        match call {
            Ok(ClientFrame::Call(CallFrame { id: 3, payload: Some(p), .. })) => assert_eq!(p.get(), r#"{"x":[1,2]}"#),
            other => panic!("unexpected {other:?}"),
        }
        let sub = ClientFrame::decode(r#"{"op":"subscribe","id":4,"actor":"a/b","resume":{"epoch":"e","seq":9}}"#);
        assert!(matches!(sub, Ok(ClientFrame::Subscribe { id: 4, resume: Some(Resume { seq: 9, .. }), .. })));
        assert!(matches!(ClientFrame::decode(r#"{"op":"ping","id":1,"extra":true}"#), Ok(ClientFrame::Ping { id: 1 })));
    }

    #[test]
    fn bad_frames_name_what_is_wrong() {
        assert!(matches!(err("not json"), (FrameError::NotAnObject(_), None)));
        assert!(matches!(err("[1,2]"), (FrameError::NotAnObject(_), None)));
        assert!(matches!(err(r#"{"op":"fly","id":5}"#), (FrameError::UnknownOp(op), Some(5)) if op == "fly"));
        assert!(matches!(err(r#"{"op":"call","id":6,"actor":"a/b"}"#), (FrameError::Invalid { .. }, Some(6))));
        assert!(matches!(err(r#"{"op":"ping","id":-1}"#), (FrameError::NotAnObject(_), None)));
        let long = "k".repeat(MAX_IDEMPOTENCY_KEY_LEN + 1);
        let text = format!(r#"{{"op":"call","id":1,"actor":"a/b","method":"m","idempotency_key":"{long}"}}"#);
        assert!(matches!(err(&text), (FrameError::Invalid { .. }, Some(1))));
    }

    #[test]
    fn server_frames_round_trip() {
        let patch = RawValue::from_string(r#"[{"op":"replace","path":"/n","value":2}]"#.into()).expect("raw");
        let f = ServerFrame::Delta(DeltaFrame { sub: 1, epoch: "e".into(), base: 1, seq: 2, patch });
        let text = f.encode();
        assert!(text.starts_with(r#"{"op":"delta","sub":1"#), "{text}");
        assert!(matches!(ServerFrame::decode(&text), Ok(ServerFrame::Delta(DeltaFrame { seq: 2, .. }))));
        let e = ServerFrame::Error { id: Some(1), sub: None, code: ErrorCode::UnknownOp, message: "x".into() };
        assert!(e.encode().contains(r#""code":"unknown_op""#));
    }
}
