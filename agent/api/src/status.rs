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
    /// Failed to update device (`updateDevice`), as VDSM's `updateDevErr`.
    pub const UPDATE_DEVICE_FAILED: i32 = 56;
    /// Migration is in progress (`migInProgress`); reserved, no verb returns it yet.
    pub const MIGRATION_IN_PROGRESS: i32 = 51;
    /// Missing or wrong bearer token (not a VDSM code; the HTTP status is 401 too).
    pub const UNAUTHORIZED: i32 = 401;
}

/// What went wrong, for programs: VDSM's codes say which verb failed, not
/// why. Beside the code on every failure hotnic's agent sends; absent from
/// older agents and from VDSM, and unknown words read as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No VM with that id runs on the host.
    NoSuchVm,
    /// A VM with that id or name already runs there.
    VmExists,
    /// The host cannot back this kind of NIC.
    UnsupportedDevice,
    /// The network's bridge is not on the host.
    NetworkMissing,
    /// The VM has no NIC with that alias.
    NoSuchNic,
    /// Another NIC on the host (any VM, hotnic's or not) has the MAC.
    MacInUse,
    /// The NIC found by alias has another MAC than the caller named.
    MacMismatch,
    /// The guest did not release the NIC in time; it is still attached.
    GuestDidNotRelease,
    /// The guest refused to release the NIC; it is still attached.
    GuestRefusedRelease,
    /// The VM has no free hot-pluggable PCI slot; nothing was attached.
    NoFreePciSlot,
    /// Port mirroring failed (the plug was rolled back, or not even that).
    MirroringFailed,
    /// A parameter is missing or invalid; nothing was done.
    InvalidParameter,
    /// Missing or wrong token.
    Unauthorized,
    /// libvirt refused; the reason is its text.
    Libvirt,
    /// Anything else.
    #[serde(other)]
    Other,
}

/// The outcome of a verb: a code from [`code`] and a message a person
/// understands (libvirt's own text included when libvirt refused); on a
/// failure, what kind it is and the reason alone, without the verb.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub code: i32,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FailureKind>,
    /// The message without VDSM's verb prefix ("Failed to hotplug NIC: ").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Status {
    pub fn done() -> Self {
        Status {
            code: code::DONE,
            message: "Done".into(),
            kind: None,
            reason: None,
        }
    }

    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Status {
            code,
            message: message.into(),
            kind: None,
            reason: None,
        }
    }

    /// A failure of `kind`: `message` is VDSM's wording, `reason` the
    /// cause alone.
    pub fn failed(code: i32, kind: FailureKind, message: impl Into<String>, reason: impl Into<String>) -> Self {
        Status {
            code,
            message: message.into(),
            kind: Some(kind),
            reason: Some(reason.into()),
        }
    }

    /// The cause in the host's words, without the verb: `reason` when the
    /// host sent one, else the message.
    pub fn reason(&self) -> &str {
        self.reason.as_deref().filter(|r| !r.trim().is_empty()).unwrap_or(&self.message)
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

    /// Reads an answer as the derived `Deserialize` does, without its cost:
    /// serde's `flatten` first copies the whole object into a buffer (each
    /// string allocated again), which for a host's getAllVmStats is most of
    /// the reading. Here the status and the result are each read from the
    /// same bytes, each pass skipping what it does not know.
    pub fn from_json(json: &[u8]) -> serde_json::Result<Self>
    where
        T: serde::de::DeserializeOwned,
    {
        #[derive(Deserialize)]
        struct StatusOnly {
            status: Status,
        }
        let StatusOnly { status } = serde_json::from_slice(json)?;
        Ok(Envelope {
            status,
            result: serde_json::from_slice(json).ok(),
        })
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
    fn failures_carry_their_kind_and_reason_and_unknown_kinds_read_as_other() {
        let status = Status::failed(code::HOTPLUG_NIC_FAILED, FailureKind::MacInUse, "Failed to hotplug NIC: MAC taken", "MAC taken");
        let value = serde_json::to_value(&status).unwrap();
        assert_eq!(value, json!({"code": 49, "message": "Failed to hotplug NIC: MAC taken", "kind": "mac_in_use", "reason": "MAC taken"}));
        assert_eq!(status.reason(), "MAC taken");
        let future: Status = serde_json::from_value(json!({"code": 49, "message": "m", "kind": "new_thing"})).unwrap();
        assert_eq!(future.kind, Some(FailureKind::Other));
        assert_eq!(future.reason(), "m", "no reason sent: the message");
        let vdsm: Status = serde_json::from_value(json!({"code": 49, "message": "m"})).unwrap();
        assert_eq!((vdsm.kind, vdsm.reason()), (None, "m"));
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
            (json!({"status": {"code": 49, "kind": "a_word_from_the_future"}}), None),
        ];
        for (value, expected) in cases {
            let env: Envelope<Payload> = serde_json::from_value(value.clone()).unwrap();
            let read = Envelope::<Payload>::from_json(value.to_string().as_bytes()).unwrap();
            assert_eq!(read, env, "both readers agree on {value}");
            assert_eq!(env.result.map(|p| p.vm_id).as_deref(), expected, "{value}");
        }
        for garbage in ["", "[]", "{\"vmId\": \"a\"}", "{\"status\": 0}"] {
            assert!(Envelope::<Payload>::from_json(garbage.as_bytes()).is_err(), "{garbage:?} is no answer");
        }
    }
}
