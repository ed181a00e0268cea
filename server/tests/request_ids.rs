//! One request id followed from the REST call through the server's log,
//! the audit event and the agent's log, with real server and agent
//! processes: what an operator greps for when a plug went wrong.

mod procs;
mod stack;

use procs::{AgentProcess, ServerProcess};
use serde_json::json;
use stack::Stack;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_plugs_request_id_is_in_the_server_log_the_audit_event_and_the_agent_log() {
    let mut stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("traced", false).await;
    stack.run(vm, false).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let agent = AgentProcess::replace(&mut stack, None).await;
    let server = ServerProcess::start(&stack.database_url, &stack.admin_token, None).await;

    let id = format!("trace-{}", stack.suffix);
    let url = format!("{}/api/vms/{vm}/nics/{}/plug", server.base, nic["id"].as_str().unwrap());
    let response = server.http.post(&url).header("x-request-id", &id).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], id.as_str(), "answered with the caller's id");

    let events = server.ok("GET", &format!("/api/events?vm_id={vm}&limit=5"), None).await;
    let plugged = events.as_array().unwrap().iter().find(|e| e["event"] == "nic_plugged").expect("a nic_plugged event");
    assert_eq!(plugged["request_id"], id.as_str(), "{plugged}");
    let server_log = server.log_text();
    assert!(server_log.lines().any(|l| l.contains(&id) && l.contains("plugged")), "server log:\n{server_log}");
    let agent_log = agent.log_text();
    assert!(agent_log.lines().any(|l| l.contains(&id) && l.contains("hotplugNic")), "agent log:\n{agent_log}");

    // Without one (or with one unfit for a log), the server makes one.
    for sent in [None, Some("not fit for a log!")] {
        let mut request = server.http.get(url.trim_end_matches("/plug"));
        if let Some(sent) = sent {
            request = request.header("x-request-id", sent);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let made = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(made.len() == 32 && made.chars().all(|c| c.is_ascii_hexdigit()), "{made}");
    }
}
