//! The HTTP edge: one POST route per verb (`/api/v1/<verb>`), the bearer
//! token check, request parsing into typed specs, and the one function that
//! maps failures to VDSM codes and HTTP statuses. Handlers hold no logic.

use std::sync::Arc;

use axum::{
    extract::{FromRequest, Request, State},
    http::{header, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use hotnic_agent_api::{
    code, Caps, FailureKind, CreateParams, CreateResult, DestroyParams, DestroyResult, Envelope,
    GetAllVmStatsParams, GetCapsParams, HotplugNicParams, HotplugNicResult, HotunplugNicParams,
    HotunplugNicResult, Status, UpdateDeviceParams, UpdateDeviceResult, Verb, VmList, VmStats, API_VERSION,
};
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    config::Token,
    hypervisor::{Hypervisor, HypervisorError, VmState},
    params::{NicSpec, ParamError, VmSpec},
};

pub struct AppState<H> {
    pub hypervisor: H,
    pub token: Token,
    pub files: crate::images::HostFiles,
}

/// The agent's routes, all behind the token check.
pub fn router<H: Hypervisor>(state: Arc<AppState<H>>) -> Router {
    Router::new()
        .route(&Verb::GetCaps.path(), post(get_caps::<H>))
        .route(&Verb::Create.path(), post(create::<H>))
        .route(&Verb::Destroy.path(), post(destroy::<H>))
        .route(&Verb::GetAllVmStats.path(), post(get_all_vm_stats::<H>))
        .route(&Verb::HotplugNic.path(), post(hotplug_nic::<H>))
        .route(&Verb::HotunplugNic.path(), post(hotunplug_nic::<H>))
        .route(&Verb::UpdateDevice.path(), post(update_device::<H>))
        .layer(middleware::from_fn(crate::measure::track))
        .route("/metrics", axum::routing::get(crate::measure::render))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_token::<H>,
        ))
        .layer(middleware::from_fn(request_span))
        .with_state(state)
}

/// Each request runs in a span naming the engine's request id
/// (`x-request-id`, when sane), so the agent's log lines for a plug carry
/// the id the server logged and the audit event stored.
async fn request_span(req: Request, next: Next) -> Response {
    use hotnic_agent_api::request_id::{accept, HEADER};
    use tracing::Instrument;
    let id = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).and_then(accept).unwrap_or_else(|| "-".into());
    let span = tracing::info_span!("request", id = %id, path = %req.uri().path());
    next.run(req).instrument(span).await
}

/// A failed verb: its status, sent in the envelope.
#[derive(Debug)]
pub struct Failure(pub Status);

/// A verb's answer.
type Answer<T> = Result<Json<Envelope<T>>, Failure>;

fn done<T>(result: T) -> Answer<T> {
    Ok(Json(Envelope::done(result)))
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (
            http_status(self.0.code),
            Json(Envelope::<()>::failed(self.0)),
        )
            .into_response()
    }
}

/// The HTTP status beside a VDSM code.
pub fn http_status(status_code: i32) -> StatusCode {
    match status_code {
        code::DONE => StatusCode::OK,
        code::NO_VM => StatusCode::NOT_FOUND,
        code::INVALID_PARAMETER => StatusCode::BAD_REQUEST,
        code::VM_EXISTS | code::MIGRATION_IN_PROGRESS => StatusCode::CONFLICT,
        code::UNAUTHORIZED => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The one place a hypervisor failure becomes a VDSM code, a message, and
/// the kind and reason programs read.
pub fn failure_status(verb: Verb, err: &HypervisorError) -> Status {
    let kind = failure_kind(err);
    let reason = err.to_string();
    let status = match err {
        HypervisorError::NoSuchVm(_) => Status::failed(code::NO_VM, kind, reason.clone(), reason),
        HypervisorError::VmExists { .. } => Status::failed(code::VM_EXISTS, kind, reason.clone(), reason),
        _ => {
            let (code, prefix) = match verb {
                Verb::HotplugNic => (code::HOTPLUG_NIC_FAILED, "Failed to hotplug NIC"),
                Verb::HotunplugNic => (code::HOTUNPLUG_NIC_FAILED, "Failed to hotunplug NIC"),
                Verb::UpdateDevice => (code::UPDATE_DEVICE_FAILED, "Failed to update device"),
                Verb::Create => (code::CREATE_FAILED, "Error creating the requested VM"),
                _ => (code::UNEXPECTED, "Unexpected error"),
            };
            Status::failed(code, kind, format!("{prefix}: {reason}"), reason)
        }
    };
    tracing::warn!(verb = verb.name(), code = status.code, kind = ?kind, message = %status.message, "verb failed");
    status
}

fn failure_kind(err: &HypervisorError) -> FailureKind {
    match err {
        HypervisorError::NoSuchVm(_) => FailureKind::NoSuchVm,
        HypervisorError::VmExists { .. } => FailureKind::VmExists,
        HypervisorError::Unsupported { .. } => FailureKind::UnsupportedDevice,
        HypervisorError::NoSuchNetwork(_) => FailureKind::NetworkMissing,
        HypervisorError::NoSuchNic(_) => FailureKind::NoSuchNic,
        HypervisorError::MacInUse { .. } => FailureKind::MacInUse,
        HypervisorError::MacMismatch { .. } => FailureKind::MacMismatch,
        HypervisorError::NotReleased { .. } => FailureKind::GuestDidNotRelease,
        HypervisorError::RemovalRefused { .. } => FailureKind::GuestRefusedRelease,
        HypervisorError::NoFreePciSlot { .. } => FailureKind::NoFreePciSlot,
        HypervisorError::MirroringRolledBack(_) | HypervisorError::RollbackFailed { .. } => FailureKind::MirroringFailed,
        HypervisorError::Libvirt { .. } => FailureKind::Libvirt,
        _ => FailureKind::Other,
    }
}

fn invalid(prefix: &str, err: ParamError) -> Failure {
    let field = if prefix.is_empty() {
        err.field
    } else {
        format!("{prefix}.{}", err.field)
    };
    let reason = format!("invalid parameter {field}: {}", err.reason);
    Failure(Status::failed(code::INVALID_PARAMETER, FailureKind::InvalidParameter, reason.clone(), reason))
}

/// JSON parameters; anything unreadable is code 11 before any action.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Params<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Params(value)),
            Err(rejection) => {
                let reason = format!("invalid parameters: {}", rejection.body_text());
                Err(Failure(Status::failed(code::INVALID_PARAMETER, FailureKind::InvalidParameter, reason.clone(), reason)))
            }
        }
    }
}

async fn require_token<H: Hypervisor>(
    State(state): State<Arc<AppState<H>>>,
    req: Request,
    next: Next,
) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented.is_some_and(|t| state.token.matches(t)) {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "refused a request without the right token");
    let reason = "missing or wrong bearer token";
    let mut response = Failure(Status::failed(code::UNAUTHORIZED, FailureKind::Unauthorized, reason, reason)).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

fn to_stats(vm: VmState) -> VmStats {
    VmStats {
        vm_id: vm.id,
        vm_name: vm.name,
        status: vm.status.to_owned(),
        nics: vm.nics.iter().map(|n| n.to_info()).collect(),
        pci_slots: Some(hotnic_agent_api::slots::count(&crate::slots::slot_map(&vm.pci_devices))),
    }
}

fn log_done<T: Serialize>(verb: Verb, detail: &str, answer: T) -> Answer<T> {
    tracing::info!(verb = verb.name(), detail, "done");
    done(answer)
}

async fn get_caps<H: Hypervisor>(
    State(s): State<Arc<AppState<H>>>,
    Params(p): Params<GetCapsParams>,
) -> Answer<Caps> {
    let mut asked = p.free_pci_slots_for.clone();
    asked.extend(p.pci_slot_map_for.iter().filter(|vm| !p.free_pci_slots_for.contains(vm)));
    let caps = s
        .hypervisor
        .caps(asked)
        .await
        .map_err(|e| Failure(failure_status(Verb::GetCaps, &e)))?;
    done(Caps {
        api_version: API_VERSION,
        hostname: caps.hostname,
        libvirt_version: caps.libvirt_version,
        qemu_version: caps.qemu_version,
        bridges: caps.bridges,
        images: s.files.images.list(),
        nic_devices: caps
            .nic_kinds
            .iter()
            .map(|k| k.wire_name().to_owned())
            .collect(),
        nic_models: <crate::params::NicModel as crate::params::VariantArray>::VARIANTS
            .iter()
            .map(|m| m.wire_name().to_owned())
            .collect(),
        free_pci_slots: caps
            .pci_devices
            .iter()
            .filter(|(vm, _)| p.free_pci_slots_for.contains(vm))
            .map(|(vm, devices)| (*vm, crate::slots::free_slots(devices).into_iter().map(hotnic_agent_api::PciAddressDict::from).collect()))
            .collect(),
        pci_slot_maps: caps
            .pci_devices
            .iter()
            .filter(|(vm, _)| p.pci_slot_map_for.contains(vm))
            .map(|(vm, devices)| (*vm, crate::slots::slot_map(devices)))
            .collect(),
    })
}

async fn create<H: Hypervisor>(
    State(s): State<Arc<AppState<H>>>,
    Params(p): Params<CreateParams>,
) -> Answer<CreateResult> {
    let vm = VmSpec::parse(&p, &s.files).map_err(|e| invalid("", e))?;
    let state = s
        .hypervisor
        .create_vm(vm)
        .await
        .map_err(|e| Failure(failure_status(Verb::Create, &e)))?;
    log_done(
        Verb::Create,
        &p.vm_id.to_string(),
        CreateResult {
            vm: to_stats(state),
        },
    )
}

async fn destroy<H: Hypervisor>(
    State(s): State<Arc<AppState<H>>>,
    Params(p): Params<DestroyParams>,
) -> Answer<DestroyResult> {
    s.hypervisor
        .destroy_vm(p.vm_id)
        .await
        .map_err(|e| Failure(failure_status(Verb::Destroy, &e)))?;
    log_done(Verb::Destroy, &p.vm_id.to_string(), DestroyResult {})
}

async fn get_all_vm_stats<H: Hypervisor>(
    State(s): State<Arc<AppState<H>>>,
    Params(_): Params<GetAllVmStatsParams>,
) -> Answer<VmList> {
    let vms = s
        .hypervisor
        .list_vms()
        .await
        .map_err(|e| Failure(failure_status(Verb::GetAllVmStats, &e)))?;
    done(VmList {
        stats_list: vms.into_iter().map(to_stats).collect(),
    })
}

async fn hotplug_nic<H: Hypervisor>(
    State(s): State<Arc<AppState<H>>>,
    Params(p): Params<HotplugNicParams>,
) -> Answer<HotplugNicResult> {
    let nic = NicSpec::try_from(&p.nic).map_err(|e| invalid("nic", e))?;
    let alias = nic.alias();
    let plugged = s
        .hypervisor
        .hotplug_nic(p.vm_id, nic)
        .await
        .map_err(|e| Failure(failure_status(Verb::HotplugNic, &e)))?;
    // Fault tests stop the agent here: plugged, not yet answered.
    fail::fail_point!("agent-hotplug-before-answer");
    log_done(
        Verb::HotplugNic,
        &alias,
        HotplugNicResult {
            vm_id: p.vm_id,
            nic: plugged.to_info(),
        },
    )
}

async fn hotunplug_nic<H: Hypervisor>(
    State(s): State<Arc<AppState<H>>>,
    Params(p): Params<HotunplugNicParams>,
) -> Result<Response, Failure> {
    let nic = NicSpec::try_from(&p.nic).map_err(|e| invalid("nic", e))?;
    let alias = nic.alias();
    let unplugged = s
        .hypervisor
        .hotunplug_nic(p.vm_id, nic)
        .await
        .map_err(|e| {
            if matches!(e, crate::hypervisor::HypervisorError::NotReleased { .. }) {
                crate::measure::unplug_timed_out();
            }
            Failure(failure_status(Verb::HotunplugNic, &e))
        })?;
    tracing::info!(verb = "hotunplugNic", detail = alias, "done");
    let mut envelope = Envelope::done(HotunplugNicResult { vm_id: p.vm_id });
    if let Some(warning) = unplugged.warning {
        envelope.status.message = format!("Done; warning: {warning}");
    }
    Ok(Json(envelope).into_response())
}

/// `updateDevice`: the NIC's link (cable) state, live.
async fn update_device<H: Hypervisor>(
    State(s): State<Arc<AppState<H>>>,
    Params(p): Params<UpdateDeviceParams>,
) -> Answer<UpdateDeviceResult> {
    let nic = NicSpec::try_from(&p.nic).map_err(|e| invalid("nic", e))?;
    let alias = nic.alias();
    let updated = s
        .hypervisor
        .set_nic_link(p.vm_id, nic)
        .await
        .map_err(|e| Failure(failure_status(Verb::UpdateDevice, &e)))?;
    log_done(Verb::UpdateDevice, &alias, UpdateDeviceResult { vm_id: p.vm_id, nic: updated.to_info() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{mirror::MirrorError, params::DeviceKind};
    use std::time::Duration;
    use uuid::Uuid;

    #[test]
    fn names_the_kind_of_each_failure() {
        let cases = [
            (HypervisorError::NoSuchVm(Uuid::nil()), FailureKind::NoSuchVm),
            (HypervisorError::NoSuchNetwork("red".into()), FailureKind::NetworkMissing),
            (HypervisorError::NoFreePciSlot { total: 30 }, FailureKind::NoFreePciSlot),
            (HypervisorError::MacInUse { mac: "00:1a:4a:00:00:01".into(), vm_name: "x".into() }, FailureKind::MacInUse),
            (HypervisorError::NotReleased { alias: "ua-x".into(), waited: Duration::from_secs(1) }, FailureKind::GuestDidNotRelease),
            (HypervisorError::RemovalRefused { alias: "ua-x".into() }, FailureKind::GuestRefusedRelease),
            (HypervisorError::Libvirt { action: "a", message: "b".into() }, FailureKind::Libvirt),
            (HypervisorError::Internal("x".into()), FailureKind::Other),
        ];
        for (err, kind) in cases {
            assert_eq!(failure_status(Verb::HotplugNic, &err).kind, Some(kind), "{err}");
        }
    }

    #[test]
    fn maps_each_failure_to_a_vdsm_code_and_http_status() {
        let libvirt = || HypervisorError::Libvirt {
            action: "attaching the NIC",
            message: "boom".into(),
        };
        let cases: Vec<(Verb, HypervisorError, i32, u16, &str)> = vec![
            (
                Verb::HotplugNic,
                HypervisorError::NoSuchVm(Uuid::nil()),
                code::NO_VM,
                404,
                "no VM with id",
            ),
            (
                Verb::HotunplugNic,
                HypervisorError::NoSuchVm(Uuid::nil()),
                code::NO_VM,
                404,
                "no VM",
            ),
            (
                Verb::Create,
                HypervisorError::VmExists {
                    id: Uuid::nil(),
                    name: "a".into(),
                },
                code::VM_EXISTS,
                409,
                "already runs",
            ),
            (
                Verb::HotplugNic,
                libvirt(),
                code::HOTPLUG_NIC_FAILED,
                500,
                "Failed to hotplug NIC: attaching the NIC: boom",
            ),
            (
                Verb::HotunplugNic,
                libvirt(),
                code::HOTUNPLUG_NIC_FAILED,
                500,
                "Failed to hotunplug NIC: ",
            ),
            (
                Verb::Create,
                libvirt(),
                code::CREATE_FAILED,
                500,
                "Error creating the requested VM",
            ),
            (Verb::Destroy, libvirt(), code::UNEXPECTED, 500, "boom"),
            (
                Verb::HotunplugNic,
                HypervisorError::NotReleased {
                    alias: "ua-x".into(),
                    waited: Duration::from_secs(3),
                },
                code::HOTUNPLUG_NIC_FAILED,
                500,
                "guest did not release the device ua-x within 3 s",
            ),
            (
                Verb::HotunplugNic,
                HypervisorError::RemovalRefused {
                    alias: "ua-x".into(),
                },
                code::HOTUNPLUG_NIC_FAILED,
                500,
                "Failed to hotunplug NIC: the guest refused to release the device ua-x",
            ),
            (
                Verb::HotplugNic,
                HypervisorError::Unsupported {
                    kind: DeviceKind::Vnlink,
                    reason: "no macvtap".into(),
                },
                code::HOTPLUG_NIC_FAILED,
                500,
                "device 'vnlink' is not supported on this host: no macvtap",
            ),
            (
                Verb::HotplugNic,
                HypervisorError::MirroringRolledBack(MirrorError::Add {
                    bridge: "red".into(),
                    tap: "hn1".into(),
                    source: crate::hostnet::CommandError::Failed {
                        command: "tc".into(),
                        stderr: "no".into(),
                    },
                }),
                code::HOTPLUG_NIC_FAILED,
                500,
                "rolled back: cannot mirror red to hn1",
            ),
        ];
        for (verb, err, expected_code, expected_http, mentions) in cases {
            let status = failure_status(verb, &err);
            assert_eq!(status.kind, Some(failure_kind(&err)), "{err}");
            assert_eq!(status.reason(), err.to_string(), "the reason is the cause alone");
            assert!(status.message.ends_with(status.reason()), "{}", status.message);
            assert_eq!(
                (status.code, http_status(status.code).as_u16()),
                (expected_code, expected_http),
                "{err}"
            );
            assert!(
                status.message.contains(mentions),
                "{}: {}",
                mentions,
                status.message
            );
        }
        assert_eq!(http_status(code::DONE), StatusCode::OK);
        assert_eq!(
            http_status(code::INVALID_PARAMETER),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(http_status(code::UNAUTHORIZED), StatusCode::UNAUTHORIZED);
        assert_eq!(
            http_status(code::MIGRATION_IN_PROGRESS),
            StatusCode::CONFLICT
        );
    }
}
