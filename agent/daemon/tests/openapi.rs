//! Real answers of the agent, for every verb and every HTTP status it
//! uses, checked against the checked-in description (agent/api/openapi.json).

mod common;

use std::time::Duration;

use common::*;
use hotnic_agent_api::{openapi, Verb};
use serde_json::{json, Value};
use uuid::Uuid;

/// POSTs raw JSON (with `token`) and checks the answer against the schema
/// the description gives for that verb and HTTP status.
async fn call(agent: &Agent, verb: Verb, token: &str, body: &Value, expected_http: u16) -> Value {
    let doc = openapi::document();
    let response = agent
        .http
        .post(agent.url(verb))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let http = response.status().as_u16();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(http, expected_http, "{verb:?}: {answer}");
    let schema = openapi::schema_of(&doc, &verb.path(), Some(http))
        .unwrap_or_else(|| panic!("{verb:?}: HTTP {http} is not described"));
    if let Err(errors) = openapi::check(&doc, &schema, &answer) {
        panic!("{verb:?} HTTP {http} answer does not match {schema}: {errors:?}\n{answer}");
    }
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_matches_the_description() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let token = agent.token.clone();
    let vm = TestVm::new_unstarted("openapi");
    let nic = serde_json::to_value(new_nic("bridge", Some(BRIDGE), "pv")).unwrap();
    let create = serde_json::to_value(vm.linux_params(vec![])).unwrap();

    let created = call(&agent, Verb::Create, &token, &create, 200).await;
    assert_eq!(created["vm"]["vmId"], json!(vm.id));
    vm.wait_ready().await;
    call(&agent, Verb::Create, &token, &create, 409).await;
    call(
        &agent,
        Verb::GetCaps,
        &token,
        &json!({"freePciSlotsFor": [vm.id]}),
        200,
    )
    .await;

    let plug = json!({"vmId": vm.id, "nic": nic});
    let plugged = call(&agent, Verb::HotplugNic, &token, &plug, 200).await;
    let stats = call(&agent, Verb::GetAllVmStats, &token, &json!({}), 200).await;
    assert!(stats["statsList"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["vmId"] == json!(vm.id)));
    vm.wait_guest_pci(
        &sysfs_name(&serde_json::from_value(plugged["nic"]["address"].clone()).unwrap()),
        true,
    )
    .await;
    call(&agent, Verb::HotunplugNic, &token, &plug, 200).await;
    call(&agent, Verb::HotunplugNic, &token, &plug, 500).await;

    let mut bad = plug.clone();
    bad["nic"]["network"] = json!("x'/><hostdev");
    call(&agent, Verb::HotplugNic, &token, &bad, 400).await;
    call(
        &agent,
        Verb::HotplugNic,
        "wrong-token-0123456789",
        &plug,
        401,
    )
    .await;
    call(
        &agent,
        Verb::HotplugNic,
        &token,
        &json!({"vmId": Uuid::new_v4(), "nic": nic}),
        404,
    )
    .await;
    call(&agent, Verb::Destroy, &token, &json!({"vmId": vm.id}), 200).await;
    call(&agent, Verb::Destroy, &token, &json!({"vmId": vm.id}), 404).await;
}
