//! The arguments of a server function call, checked before it runs, so a
//! caller's mistake is a 400 naming the argument (as the REST API answers)
//! instead of the machinery's 500: the body must be a JSON object, every
//! argument must fit its type, none may be missing, and an argument the
//! function does not take is refused (REST refuses unknown fields too).

use super::{access, clusters, events, hosts, networks, nics, vms};
use hotnic_model::ApiError;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// `None` for a name that is not a server function (its own 404 follows).
pub fn check(function: &str, body: &[u8]) -> Option<Result<(), ApiError>> {
    macro_rules! table {
        ($($name:literal => $args:ty),+ $(,)?) => {
            match function {
                $($name => Some(check_as::<$args>(body)),)+
                _ => None,
            }
        };
    }
    table! {
        "sign_in" => access::SignIn,
        "sign_out" => access::SignOut,
        "whoami" => access::Whoami,
        "list_users" => access::ListUsers,
        "create_user" => access::CreateUser,
        "update_user" => access::UpdateUser,
        "list_tokens" => access::ListTokens,
        "create_token" => access::CreateToken,
        "revoke_token" => access::RevokeToken,
        "list_permissions" => access::ListPermissions,
        "grant_permission" => access::GrantPermission,
        "revoke_permission" => access::RevokePermission,
        "list_clusters" => clusters::ListClusters,
        "create_cluster" => clusters::CreateCluster,
        "update_cluster" => clusters::UpdateCluster,
        "delete_cluster" => clusters::DeleteCluster,
        "list_events" => events::ListEvents,
        "list_hosts" => hosts::ListHosts,
        "create_host" => hosts::CreateHost,
        "accept_host_fingerprint" => hosts::AcceptHostFingerprint,
        "update_host" => hosts::UpdateHost,
        "delete_host" => hosts::DeleteHost,
        "list_images" => hosts::ListImages,
        "list_networks" => networks::ListNetworks,
        "create_network" => networks::CreateNetwork,
        "update_network" => networks::UpdateNetwork,
        "delete_network" => networks::DeleteNetwork,
        "list_nics" => nics::ListNics,
        "add_nic" => nics::AddNic,
        "edit_nic" => nics::EditNic,
        "remove_nic" => nics::RemoveNic,
        "plug_nic" => nics::PlugNic,
        "unplug_nic" => nics::UnplugNic,
        "plug_nics" => nics::PlugNics,
        "unplug_nics" => nics::UnplugNics,
        "remove_nics" => nics::RemoveNics,
        "resolve_nic_drift" => nics::ResolveNicDrift,
        "adopt_unknown_nic" => nics::AdoptUnknownNic,
        "detach_unknown_nic" => nics::DetachUnknownNic,
        "list_vms" => vms::ListVms,
        "get_vm" => vms::GetVm,
        "create_vm" => vms::CreateVm,
        "delete_vm" => vms::DeleteVm,
        "run_vm" => vms::RunVm,
        "stop_vm" => vms::StopVm,
        "vm_pci_slots" => vms::VmPciSlots,
        "plug_nic_on_vms" => vms::PlugNicOnVms,
        "unplug_nic_on_vms" => vms::UnplugNicOnVms,
    }
}

fn refusal(reason: String, field: Option<String>) -> ApiError {
    ApiError { reason, detail: None, field, host_failure: None }
}

fn check_as<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<(), ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        refusal(format!("the body is not JSON ({e}); send a JSON object of the named arguments, {{}} for none"), None)
    })?;
    let Value::Object(given) = &value else {
        return Err(refusal("send a JSON object of the named arguments, {} for none".into(), None));
    };
    let typed: T = serde_path_to_error::deserialize(&value).map_err(|e| {
        let inner = e.inner().to_string();
        let path = e.path().to_string();
        // A missing argument is reported at the level above it.
        let missing = inner.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(name)) => name.to_owned(),
            (path, Some(name)) => format!("{path}.{name}"),
            (path, None) => path.to_owned(),
        };
        let reason = match missing {
            Some(_) => format!("argument '{field}' is missing"),
            None => format!("argument '{field}' does not fit: {inner}"),
        };
        refusal(reason, Some(field))
    })?;
    // Whatever the function reads, it writes back: an argument the input
    // has beyond those is one it does not take.
    let known = match serde_json::to_value(&typed) {
        Ok(Value::Object(known)) => known,
        _ => return Ok(()),
    };
    if let Some(unknown) = given.keys().find(|k| !known.contains_key(*k)) {
        let takes: Vec<&str> = known.keys().map(String::as_str).collect();
        let takes = if takes.is_empty() { "no arguments".to_owned() } else { takes.join(", ") };
        return Err(refusal(format!("unknown argument '{unknown}'; this function takes: {takes}"), Some(unknown.clone())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(function: &str, body: &str) -> ApiError {
        check(function, body.as_bytes()).expect("a server function").expect_err(body)
    }

    #[test]
    fn names_the_argument_at_fault() {
        let nil = "00000000-0000-0000-0000-000000000000";
        assert!(check("plug_nic", format!(r#"{{"vm_id":"{nil}","nic_id":"{nil}"}}"#).as_bytes()).unwrap().is_ok());
        assert!(check("list_vms", b"{}").unwrap().is_ok());
        assert!(check("no_such_function", b"{}").is_none());
        let cases = [
            ("plug_nic", format!(r#"{{"vm_id":"x","nic_id":"{nil}"}}"#), Some("vm_id"), "does not fit"),
            ("plug_nic", format!(r#"{{"vm_id":"{nil}"}}"#), Some("nic_id"), "is missing"),
            ("plug_nic", format!(r#"{{"vm_id":"{nil}","nic_id":"{nil}","force":true}}"#), Some("force"), "unknown argument"),
            ("add_nic", format!(r#"{{"vm_id":"{nil}","nic":{{}}}}"#), Some("nic.name"), "is missing"),
            ("add_nic", format!(r#"{{"vm_id":"{nil}","nic":{{"name":7}}}}"#), Some("nic.name"), "does not fit"),
            ("list_events", r#"{"limit":-1}"#.to_owned(), Some("limit"), "does not fit"),
            ("list_vms", r#"{"x":1}"#.to_owned(), Some("x"), "takes: no arguments"),
            ("get_vm", r#"{"vm_id":"#.to_owned(), None, "not JSON"),
            ("get_vm", "".to_owned(), None, "not JSON"),
            ("get_vm", "[1]".to_owned(), None, "JSON object"),
        ];
        for (function, body, field, why) in cases {
            let err = refused(function, &body);
            assert_eq!(err.field.as_deref(), field, "{function} {body}: {err:?}");
            assert!(err.reason.contains(why), "{function} {body}: {}", err.reason);
        }
    }
}
