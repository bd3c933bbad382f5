//! `microlith new` + `microlith build --deploy` for every guest language,
//! as a new user would: scaffold a counter, build it with the language's
//! toolchain, deploy it to a running server and call it.
//!
//! The toolchains come from `scripts/install-guest-toolchain` (CI runs it).
//! `MICROLITH_NEW_LANGS` (a comma list) limits the languages.

use std::process::Output;

use crate::support::*;

const LANGUAGES: &[&str] = &["rust", "c", "zig", "assemblyscript", "js", "python"];

fn ok(out: &Output, what: &str) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_counter_in_every_language_builds_deploys_and_counts() {
    let langs: Vec<String> = match std::env::var("MICROLITH_NEW_LANGS") {
        Ok(list) if !list.trim().is_empty() => list.split(',').map(|l| l.trim().to_string()).collect(),
        _ => LANGUAGES.iter().map(|l| l.to_string()).collect(),
    };
    let data = tempfile::tempdir().expect("tempdir");
    let server = Proc::start("serve", data.path(), &[]);
    let http = reqwest::Client::new();
    let work = tempfile::tempdir().expect("tempdir");
    for lang in &langs {
        let class = format!("count-{}", lang.replace('_', "-"));
        let dir = work.path().join(&class);
        let out = bin().args(["new", lang, &class, "--dir"]).arg(&dir).output().expect("run new");
        ok(&out, &format!("microlith new {lang}"));
        assert!(dir.join("microlith.toml").is_file(), "{lang}: microlith.toml");
        // `-o` relative to where the command runs, not to the project
        // (toolchains run inside the project directory).
        let rel = format!("built/{class}.wasm");
        let out = bin()
            .current_dir(work.path())
            .arg("build")
            .arg(&dir)
            .args(["-o", &rel, "--deploy", "--server", &server.url])
            .output()
            .expect("run build");
        let text = ok(&out, &format!("microlith build {lang}"));
        assert!(text.contains(&format!("deployed {class}")), "{lang}: {text}");
        assert!(work.path().join(&rel).is_file(), "{lang}: -o {rel} not written relative to the working directory");
        for expected in [1, 6] {
            let body = if expected == 1 { "" } else { r#"{"by": 5}"# };
            let url = format!("{}/v1/actors/{class}/a/incr", server.url);
            let (status, v) = post(&http, &url, body).await.expect("call");
            assert_eq!((status, v["value"].as_u64()), (200, Some(expected)), "{lang}: {v}");
        }
    }
    // A project without a manifest is refused with a clear message.
    let out = bin().arg("build").arg(work.path()).output().expect("run build");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("microlith.toml"), "{out:?}");
    let out = bin().args(["new", "cobol", "x"]).output().expect("run new");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("supported"), "{out:?}");
}
