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
    let caps = call(&agent, Verb::GetCaps, &token, &json!({"freePciSlotsFor": [vm.id], "pciSlotMapFor": [vm.id]}), 200).await;
    assert_eq!(caps["pciSlotMaps"][vm.id.to_string()].as_array().map(Vec::len), Some(30), "{caps}");

    let plug = json!({"vmId": vm.id, "nic": nic});
    let plugged = call(&agent, Verb::HotplugNic, &token, &plug, 200).await;
    let stats = call(&agent, Verb::GetAllVmStats, &token, &json!({}), 200).await;
    let mine = stats["statsList"].as_array().unwrap().iter().find(|s| s["vmId"] == json!(vm.id)).cloned();
    assert!(mine.is_some_and(|s| s["pciSlots"]["total"] == 30), "{stats}");
    vm.wait_guest_pci(
        &sysfs_name(&serde_json::from_value(plugged["nic"]["address"].clone()).unwrap()),
        true,
    )
    .await;
    let mut pulled = plug.clone();
    pulled["nic"]["linkActive"] = json!(false);
    let updated = call(&agent, Verb::UpdateDevice, &token, &pulled, 200).await;
    assert_eq!(updated["nic"]["linkActive"], false);
    call(&agent, Verb::HotunplugNic, &token, &plug, 200).await;
    call(&agent, Verb::HotunplugNic, &token, &plug, 500).await;
    call(&agent, Verb::UpdateDevice, &token, &pulled, 500).await;

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
    call(&agent, Verb::UpdateDevice, &token, &json!({"vmId": Uuid::new_v4(), "nic": nic}), 404).await;
    call(&agent, Verb::Destroy, &token, &json!({"vmId": vm.id}), 200).await;
    call(&agent, Verb::Destroy, &token, &json!({"vmId": vm.id}), 404).await;
}

#[test]
fn describes_every_verb_and_its_examples_parse_as_the_wire_types() {
    use hotnic_agent_api::{CreateParams, DestroyParams, GetAllVmStatsParams, GetCapsParams, HotplugNicParams};
    let doc = openapi::document();
    for verb in Verb::ALL {
        let path = verb.path();
        let request = openapi::schema_of(&doc, &path, None).unwrap_or_else(|| panic!("{path} missing from openapi.json"));
        for status in [200, 400, 401, 404, 409, 500] {
            assert!(openapi::schema_of(&doc, &path, Some(status)).is_some(), "{path} {status}");
        }
        let example = doc["paths"][&path]["post"]["requestBody"]["content"]["application/json"]["example"].clone();
        openapi::check(&doc, &request, &example).unwrap_or_else(|e| panic!("{path} example: {e:?}"));
        let parsed = match verb {
            Verb::GetCaps => serde_json::from_value::<GetCapsParams>(example).map(drop),
            Verb::Create => serde_json::from_value::<CreateParams>(example).map(drop),
            Verb::Destroy => serde_json::from_value::<DestroyParams>(example).map(drop),
            Verb::GetAllVmStats => serde_json::from_value::<GetAllVmStatsParams>(example).map(drop),
            Verb::HotplugNic | Verb::HotunplugNic | Verb::UpdateDevice => serde_json::from_value::<HotplugNicParams>(example).map(drop),
        };
        parsed.unwrap_or_else(|e| panic!("{path} example does not parse: {e}"));
    }
}

/// The check is no formality: a wrong model, a negative boot order, a
/// field the description does not have and a number for a hex string are
/// each named with where they are.
#[test]
fn the_check_finds_each_mismatch() {
    let doc = openapi::document();
    let nic = json!({"vmId": "x", "nic": {"type": "interface", "device": "bridge", "deviceId": "d",
        "macAddr": "52:54:00:00:00:01", "nicModel": "virtio", "bootOrder": 0, "extra": 1,
        "address": {"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": 12, "function": "0x0"}}});
    let errors = openapi::check(&doc, "NicParams", &nic).unwrap_err();
    for (at, says) in [("/nic/nicModel", ""), ("/nic/bootOrder", "minimum"), ("/nic: ", "extra"), ("/nic/address/slot", "string")] {
        assert!(errors.iter().any(|e| e.starts_with(at) && e.contains(says)), "{at} … {says} not in {errors:?}");
    }
    let path = Verb::HotplugNic.path();
    let good = doc["paths"][&path]["post"]["requestBody"]["content"]["application/json"]["example"].clone();
    let schema = openapi::schema_of(&doc, &path, None).unwrap();
    openapi::check(&doc, &schema, &good).expect("the example fits");
}

