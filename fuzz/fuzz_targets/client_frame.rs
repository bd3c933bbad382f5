//! `ClientFrame::decode` is where the server turns untrusted text into a
//! frame: it must never panic, and whatever it accepts must survive an
//! encode → decode round trip unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use microlith_protocol::ws::ClientFrame;

fuzz_target!(|data: &[u8]| {
    // Valid UTF-8 as it is (what a WebSocket text message carries); other
    // bytes lossily, so the fuzzer's mutations are not wasted.
    let text = String::from_utf8_lossy(data);
    let Ok(frame) = ClientFrame::decode(&text) else { return };
    let encoded = serde_json::to_string(&frame).expect("a decoded frame encodes");
    let again = match ClientFrame::decode(&encoded) {
        Ok(f) => f,
        Err((e, _)) => panic!("{text:?} decoded, but its encoding {encoded:?} does not: {e}"),
    };
    let encoded_again = serde_json::to_string(&again).expect("a decoded frame encodes");
    assert_eq!(encoded, encoded_again, "the round trip changed the frame decoded from {text:?}");
});
