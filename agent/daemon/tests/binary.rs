//! The `hotnic-agent` binary itself: configured from the environment, it
//! serves the API with the token, refuses others, and stops on SIGTERM.

use std::{
    net::TcpListener,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use hotnic_agent_api::{client::AgentClient, client::ClientError, GetCapsParams};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_serves_with_env_config_and_stops_on_sigterm() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let token = "binary-test-token-0123456789";
    let files = std::env::temp_dir().join(format!("hotnic-binary-{port}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotnic-agent"))
        .env("HOTNIC_AGENT_LISTEN", format!("127.0.0.1:{port}"))
        .env("HOTNIC_AGENT_TOKEN", token)
        .env("HOTNIC_AGENT_UNPLUG_TIMEOUT_SECS", "5")
        .env("HOTNIC_AGENT_NETWORKS", "hntbr0")
        .env("HOTNIC_AGENT_TLS_DIR", files.join("tls"))
        .env("HOTNIC_AGENT_IMAGES_DIR", files.join("images"))
        .env("HOTNIC_AGENT_CONSOLE_DIR", files.join("consoles"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("hotnic-agent starts");
    let base = format!("https://127.0.0.1:{port}");
    let started = Instant::now();
    let fingerprint = loop {
        match AgentClient::probe_fingerprint(&base, Duration::from_secs(10)).await {
            Ok(fingerprint) => break fingerprint,
            Err(ClientError::Transport(_)) if started.elapsed() < Duration::from_secs(30) => {
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "hotnic-agent exited early (is libvirtd running?)"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("probing the certificate: {err}"),
        }
    };
    // The fingerprint reads as openssl prints it for the agent's own file.
    let openssl = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(files.join("tls/cert.pem"))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&openssl.stdout);
    assert_eq!(printed.trim(), format!("sha256 Fingerprint={fingerprint}"));
    let key_mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(files.join("tls/key.pem")).unwrap().permissions(),
    );
    assert_eq!(key_mode & 0o777, 0o600, "the key is readable by root only");

    let client = AgentClient::new(&base, token, &fingerprint, Duration::from_secs(10)).unwrap();
    let caps = client.get_caps(&GetCapsParams::default()).await.expect("getCaps");
    assert_eq!(caps.api_version, hotnic_agent_api::API_VERSION);
    assert!(caps.bridges.iter().any(|b| b == "hntbr0"));

    let stranger = AgentClient::new(
        &base,
        "not-the-token-0123456789",
        &fingerprint,
        Duration::from_secs(10),
    )
    .unwrap();
    assert!(matches!(
        stranger.get_caps(&GetCapsParams::default()).await,
        Err(ClientError::Unauthorized)
    ));

    // SIGTERM via the `kill` program, aimed at our own child only.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "hotnic-agent ignored SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit}");
    std::fs::remove_dir_all(&files).unwrap();
}

#[test]
fn binary_refuses_to_start_without_a_token() {
    let out = Command::new(env!("CARGO_BIN_EXE_hotnic-agent"))
        .env_remove("HOTNIC_AGENT_TOKEN")
        .env_remove("HOTNIC_AGENT_TOKEN_FILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token"));
}
