//! The response envelope `{"status":{"code":N,"message":"…"}, …}` and VDSM's
//! status codes.

use serde::{Deserialize, Serialize};

/// VDSM's status codes (vdsm `define.errCode`), plus the one for a refused
/// token, which VDSM never needed.
pub mod code {
    /// The verb did what was asked.
    pub const DONE: i32 = 0;
    /// No VM with that id runs on this host (`noVM`).
    pub const NO_VM: i32 = 1;
    /// A VM with that id or name already runs here (`exist`).
    pub const VM_EXISTS: i32 = 4;
    /// The VM could not be created (`createErr`).
    pub const CREATE_FAILED: i32 = 9;
    /// A parameter is missing or invalid (`MissParam`); nothing was done.
    pub const INVALID_PARAMETER: i32 = 11;
    /// Anything else that failed (`unexpected`).
    pub const UNEXPECTED: i32 = 16;
    /// Failed to hotplug NIC (`hotplugNic`).
    pub const HOTPLUG_NIC_FAILED: i32 = 49;
    /// Failed to hotunplug NIC (`hotunplugNic`).
    pub const HOTUNPLUG_NIC_FAILED: i32 = 50;
    /// Migration is in progress (`migInProgress`); reserved, no verb returns it yet.
    pub const MIGRATION_IN_PROGRESS: i32 = 51;
    /// Missing or wrong bearer token (not a VDSM code; the HTTP status is 401 too).
    pub const UNAUTHORIZED: i32 = 401;
}

/// The outcome of a verb: a code from [`code`] and a message a person
/// understands (libvirt's own text included when libvirt refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub code: i32,
    #[serde(default)]
    pub message: String,
}

impl Status {
    pub fn done() -> Self {
        Status {
            code: code::DONE,
            message: "Done".into(),
        }
    }

    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Status {
            code,
            message: message.into(),
        }
    }

    pub fn is_done(&self) -> bool {
        self.code == code::DONE
    }
}

/// Every answer: the status, and beside it (flattened into the same object)
/// the verb's result when there is one. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub status: Status,
    /// Present when the verb succeeded. A result that does not parse reads as
    /// `None` (the client reports it as malformed when the status is Done).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub result: Option<T>,
}

impl<T> Envelope<T> {
    pub fn done(result: T) -> Self {
        Envelope {
            status: Status::done(),
            result: Some(result),
        }
    }

    pub fn failed(status: Status) -> Self {
        Envelope {
            status,
            result: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Payload {
        #[serde(rename = "vmId")]
        vm_id: String,
    }

    #[test]
    fn flattens_the_result_beside_the_status() {
        let text = serde_json::to_value(Envelope::done(Payload { vm_id: "a".into() })).unwrap();
        assert_eq!(
            text,
            json!({"status": {"code": 0, "message": "Done"}, "vmId": "a"})
        );
        let failed: Envelope<Payload> = Envelope::failed(Status::new(code::NO_VM, "no such VM"));
        assert_eq!(
            serde_json::to_value(failed).unwrap(),
            json!({"status": {"code": 1, "message": "no such VM"}})
        );
    }

    #[test]
    fn reads_answers_with_unknown_fields_and_without_result() {
        let cases = [
            (
                json!({"status": {"code": 0, "message": "Done"}, "vmId": "a", "future": 1}),
                Some("a"),
            ),
            (json!({"status": {"code": 1, "message": "x"}}), None),
            (json!({"status": {"code": 49}, "unrelated": true}), None),
        ];
        for (value, expected) in cases {
            let env: Envelope<Payload> = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(env.result.map(|p| p.vm_id).as_deref(), expected, "{value}");
        }
    }
}
