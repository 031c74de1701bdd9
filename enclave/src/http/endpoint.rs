//! The routes of the enclave's HTTP endpoint, as the proxy's endpoint answers them:
//!
//! - `POST /` with `X-Amz-Target: TrentService.<Operation>` and a JSON body, signed with SigV4:
//!   authenticated here ([`super::authenticate`]), then answered by the service
//!   ([`super::answer`]) for the principal verified here;
//! - `POST /` with a form body (`Action=GetCallerIdentity&Version=2011-06-15`) and no
//!   `X-Amz-Target`, signed with SigV4 for `sts`: STS `GetCallerIdentity`, in the query
//!   protocol ([`super::sts`]);
//! - `GET /healthz`: 200 once the service is ready (its sealed state loaded), 503 before;
//! - `GET /healthz/leader`: 200 on an enclave that takes writes now (with the etcd store, only
//!   the ready leader), 503 naming the leader elsewhere — for a load balancer's write targets;
//! - `GET /metrics`: per-operation counts, errors and latency ([`super::metrics`]), and the
//!   etcd store's gauges with `storage = "etcd"`;
//! - `GET /.well-known/nitro-kms/{attestation?nonce=HEX,ca.pem,provisioning-key.der}`: the
//!   service identity's public parts and fresh attestation documents ([`super::well_known`]).
//!
//! Every answer, errors included, carries `Content-Type` and a fresh `x-amzn-RequestId`
//! ([`super::response`]). `/healthz`, `/healthz/leader`, `/metrics` and `/.well-known/` need no signature and say
//! nothing secret: readiness, counters, public keys and documents.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use hyper::body::Incoming;
use hyper::{Method, Request};
use nitro_kms_api::sigv4::{self, ENCLAVE_SIGNED_HEADERS};
use nitro_kms_api::{KmsError, Operation, http_endpoint};

use super::access_keys::AccessKeys;
use super::answer::answer;
use super::authenticate::{Authenticated, authenticate};
use super::identity_slot::IdentitySlot;
use super::limits::HttpLimits;
use super::metrics::{HttpMetrics, STS_GET_CALLER_IDENTITY};
use super::response::{Answer, kms_error, response, response_with_id};
use super::{sts, well_known};
use crate::context::ServiceSlot;
use crate::key_usage::REQUEST_ID;
use crate::region_allowlist::{RegionAllowlist, regional_op};
use crate::replica_forward::ReplicaForward;

/// What the endpoint answers with.
pub struct HttpEndpoint {
    /// The service, once ready (its sealed state loaded through the control link).
    pub service: ServiceSlot,
    /// The access keys signatures are verified against (the set in force, swapped whole when
    /// sealed credentials arrive).
    pub access_keys: Arc<AccessKeys>,
    /// The configured region (its keys are the service's own).
    pub region: String,
    /// The regions requests may be signed for, each answered in its own region's context
    /// ([`crate::regions`]).
    pub regions: RegionAllowlist,
    /// Deadlines and caps.
    pub limits: HttpLimits,
    /// Counters for `/metrics`.
    pub metrics: HttpMetrics,
    /// The service's TLS identity once it exists, for the `/.well-known/nitro-kms/` answers.
    pub identity: IdentitySlot,
    /// On a read replica: mutations go to the leader, reads wait until caught up
    /// ([`ReplicaForward::replica_answer`]).
    pub forward: Arc<ReplicaForward>,
}

impl std::fmt::Debug for HttpEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpEndpoint")
            .field("region", &self.region)
            .field("regions", &self.regions)
            .field("access_keys", &self.access_keys.len())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl HttpEndpoint {
    /// Whether the service is ready (its sealed state loaded).
    pub fn ready(&self) -> bool {
        self.service.borrow().is_some()
    }

    /// `/healthz/leader`: 200 on an enclave that takes writes now (the ready leader of the etcd
    /// store, or any ready enclave of the file store, where the parent routes writes), else 503
    /// naming the leader: a load balancer's health check for the targets that get writes.
    fn leader_health(&self) -> Answer {
        let service = self.service.borrow().clone();
        let Some(svc) = service else {
            return response(503, b"not ready\n".to_vec(), "text/plain");
        };
        match svc.store.etcd() {
            Some(etcd) if etcd.fence().is_none() => {
                let leader = etcd
                    .leader_hint()
                    .unwrap_or_else(|| "being elected".to_owned());
                response(
                    503,
                    format!("follower; the leader is {leader}\n").into_bytes(),
                    "text/plain",
                )
            }
            _ => response(200, b"leader\n".to_vec(), "text/plain"),
        }
    }

    /// `/metrics`: the request metrics, and the etcd store's when the state lives there.
    fn render_metrics(&self) -> String {
        let mut text = self.metrics.render(self.ready());
        let etcd = self
            .service
            .borrow()
            .as_ref()
            .and_then(|svc| svc.store.etcd());
        if let Some(etcd) = etcd {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            text.push_str(&etcd.metrics.render(now_ms));
        }
        text
    }

    /// Answers one HTTP request.
    pub async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Result<Answer, Infallible> {
        let answer = match (req.method(), req.uri().path()) {
            (&Method::GET, "/healthz") => {
                if self.ready() {
                    response(200, b"ok\n".to_vec(), "text/plain")
                } else {
                    response(503, b"not ready\n".to_vec(), "text/plain")
                }
            }
            (&Method::GET, "/healthz/leader") => self.leader_health(),
            (&Method::GET, "/metrics") => response(
                200,
                self.render_metrics().into_bytes(),
                "text/plain; version=0.0.4",
            ),
            (&Method::GET, path) if well_known::is_well_known(path) => {
                well_known::answer(&self.identity, path, req.uri().query()).await
            }
            (&Method::POST, _) if sts::is_query_request(req.headers()) => self.sts(req).await,
            (&Method::POST, _) if sts::json::is_json_request(req.headers()) => {
                self.sts_json(req).await
            }
            (&Method::POST, _) => self.kms(req).await,
            _ => {
                self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                kms_error(&KmsError::unknown_operation(""))
            }
        };
        Ok(answer)
    }

    /// A KMS request: headers authenticated, then the bounded body, then the signature, then the
    /// operation for the verified principal.
    async fn kms(&self, req: Request<Incoming>) -> Answer {
        let started = Instant::now();
        let access_keys = self.access_keys.current();
        let Authenticated {
            parts,
            body,
            verified,
        } = match authenticate(
            req,
            &access_keys,
            &|region| self.regions.serves(region),
            sigv4::SERVICE,
            &ENCLAVE_SIGNED_HEADERS,
            &self.limits,
        )
        .await
        {
            Ok(authenticated) => authenticated,
            Err(e) => return self.refuse(&e),
        };
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let op = match Operation::from_target(target) {
            Ok(op) => op,
            Err(e) => return self.refuse(&e),
        };
        self.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        // The answer's request id is made first, so GetKeyLastUsage can name it (key_usage).
        let request_id = http_endpoint::request_id();
        let work = async {
            match self
                .forward
                .replica_answer(op, &verified.region, &verified.principal, &body)
                .await
            {
                Some(reply) => reply,
                None => {
                    answer(
                        self.service.clone(),
                        &regional_op(&self.region, &verified.region, op.name()),
                        &verified.principal,
                        &body,
                        self.limits.request_timeout,
                    )
                    .await
                }
            }
        };
        let reply = REQUEST_ID.scope(request_id.clone(), work).await;
        self.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        let status = reply.status.code();
        self.metrics.record(op, status, started.elapsed());
        tracing::debug!(
            operation = op.name(),
            region = %verified.region,
            status,
            principal = %verified.principal,
            "nitro-kms-enclave: answered over HTTP"
        );
        // Operations without output answer an empty body, as AWS does.
        response_with_id(
            status,
            reply.body,
            http_endpoint::KMS_JSON_CONTENT_TYPE,
            &request_id,
        )
    }

    /// An STS query-protocol request: the same steps as [`Self::kms`], with the scope's service
    /// `sts`, answered in XML for the verified principal (no policy: `GetCallerIdentity` needs
    /// no permission).
    async fn sts(&self, req: Request<Incoming>) -> Answer {
        let started = Instant::now();
        let request_id = http_endpoint::request_id();
        let access_keys = self.access_keys.current();
        let Authenticated { body, verified, .. } = match authenticate(
            req,
            &access_keys,
            &|region| self.regions.serves(region),
            sts::SERVICE,
            &sts::SIGNED_HEADERS,
            &self.limits,
        )
        .await
        {
            Ok(authenticated) => authenticated,
            Err(e) => return self.refuse_sts(&e, &request_id),
        };
        let reply = sts::reply(&body, &verified.principal);
        let status = reply.status();
        self.metrics.record_sts(status, started.elapsed());
        tracing::debug!(
            operation = STS_GET_CALLER_IDENTITY,
            status,
            principal = %verified.principal,
            "nitro-kms-enclave: answered over HTTP"
        );
        sts::answer(&reply, &request_id)
    }

    /// An STS JSON-protocol request ([`sts::json`]): authenticated as [`Self::sts`] is, with the
    /// target signed too, answered in JSON for the verified principal.
    async fn sts_json(&self, req: Request<Incoming>) -> Answer {
        let started = Instant::now();
        let request_id = http_endpoint::request_id();
        let access_keys = self.access_keys.current();
        let Authenticated {
            parts, verified, ..
        } = match authenticate(
            req,
            &access_keys,
            &|region| self.regions.serves(region),
            sts::SERVICE,
            &sts::json::SIGNED_HEADERS,
            &self.limits,
        )
        .await
        {
            Ok(authenticated) => authenticated,
            Err(e) => {
                self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                return sts::json::error_answer(&sts::refusal(&e), &request_id);
            }
        };
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let reply = sts::json::reply(target, &verified.principal);
        let status = match &reply {
            Ok(_) => 200,
            Err(e) => e.status,
        };
        self.metrics.record_sts(status, started.elapsed());
        sts::json::answer(&reply, &request_id)
    }

    /// Counts and answers, in STS's XML, an STS request refused before it was authenticated.
    fn refuse_sts(&self, error: &KmsError, request_id: &str) -> Answer {
        self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
        let error = sts::refusal(error);
        tracing::info!(
            error = error.code,
            "nitro-kms-enclave: HTTP request refused"
        );
        sts::error_answer(&error, request_id)
    }

    /// Counts and answers a request refused before it reached an operation.
    fn refuse(&self, error: &KmsError) -> Answer {
        self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            error = error.type_name(),
            "nitro-kms-enclave: HTTP request refused"
        );
        kms_error(error)
    }
}

#[cfg(test)]
mod tests;
