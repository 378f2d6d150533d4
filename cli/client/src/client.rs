//! A blocking client of the node's HTTP API (`docs/api.md`), answering the `shulian-api` types the
//! node serves: an answer that does not deserialize into its type is [`ClientError::BadResponse`],
//! refusals become [`ClientError::Refused`] with the node's stable code and message (an
//! [`ApiErrorBody`]), and only transport failures and 5xx count as "unreachable".

use crate::txflow::Refusal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use shulian_api::ApiErrorBody;
use shulian_api::chain::{
    AccountResponse, BlockResponse, StatusResponse, SubmitBatchRequest, SubmitBatchResponse, SubmitRequest,
    SubmitResponse, SubmitResult, TxStatusResponse,
};
use shulian_api::ledger::{
    DatasetResponse, EventsPage, GrantResponse, ListingResponse, MarketResponse, OrderResponse, OrgResponse,
    ProposalResponse, RequestResponse,
};
use shulian_api::routes;
use shulian_runtime::{AccountId, DatasetId, GrantId, Hash, ListingId, OrderId, ProposalId, RequestId, Transaction};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Largest answer read from the node; a block full of large transactions stays well below it.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// How long to try to connect before calling the node unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one whole request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a request to the node failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node answered 4xx: it understood the request and refused it.
    #[error("the node refused the request: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The node's stable error code (`stale_nonce`, `not_found`, ...).
        code: String,
        /// The node's explanation.
        message: String,
    },
    /// The node answered 5xx.
    #[error("the node failed to answer (HTTP {status}): {message}")]
    ServerError {
        /// HTTP status.
        status: u16,
        /// The node's stable error code.
        code: String,
        /// The node's explanation.
        message: String,
    },
    /// No answer at all: connection refused, DNS failure, timeout.
    #[error(
        "cannot reach the node at {url}: {reason} (is shulian-node running? set --node, SHULIAN_NODE or `node` in the settings file)"
    )]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// The node answered something that is not the documented API.
    #[error("unexpected answer from the node at {url}: {reason}")]
    BadResponse {
        /// The URL asked.
        url: String,
        /// What was wrong with the answer.
        reason: String,
    },
    /// The node (or a transaction file) is for another chain than the one the wallet is pinned
    /// to: nothing was signed.
    #[error(
        "{from} is for chain {reported:?}, but this wallet signs only for chain {pinned:?}; nothing was \
         signed. Use a node of {pinned:?}, or if {reported:?} is the chain you mean, pin it with \
         `shulian config set chain_id {reported}` (or --chain-id {reported} for one command)"
    )]
    WrongChain {
        /// Who reported the other chain: `the node at URL` or `the transaction file`.
        from: String,
        /// The chain id the wallet is pinned to.
        pinned: String,
        /// The chain id reported.
        reported: String,
    },
    /// The node's chain signs with another crypto suite than this wallet: nothing was signed.
    #[error(
        "the node at {url} serves an {node} chain, but this wallet signs with {wallet}; nothing was signed. \
         Run the wallet with SHULIAN_CRYPTO={node} (and a key of that suite)"
    )]
    WrongSuite {
        /// The node's URL.
        url: String,
        /// The node's chain's suite.
        node: shulian_runtime::suite::CryptoSuite,
        /// The wallet's.
        wallet: shulian_runtime::suite::CryptoSuite,
    },
}

impl ClientError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        use crate::exit;
        match self {
            ClientError::Refused { .. } => exit::REFUSED,
            ClientError::ServerError { .. } | ClientError::Unreachable { .. } => exit::UNREACHABLE,
            ClientError::BadResponse { .. } => exit::OTHER,
            ClientError::WrongChain { .. } | ClientError::WrongSuite { .. } => exit::WRONG_CHAIN,
        }
    }

    /// The node's error code, or `unreachable` / `bad_response` for local failures.
    pub fn code(&self) -> String {
        match self {
            ClientError::Refused { code, .. } | ClientError::ServerError { code, .. } => code.clone(),
            ClientError::Unreachable { .. } => "unreachable".to_string(),
            ClientError::BadResponse { .. } => "bad_response".to_string(),
            ClientError::WrongChain { .. } => "chain_id_mismatch".to_string(),
            ClientError::WrongSuite { .. } => "wrong_crypto_suite".to_string(),
        }
    }
}

/// The base URL of a node's HTTP server: `http://` or `https://`, without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeUrl(String);

impl FromStr for NodeUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().trim_end_matches('/');
        let rest = trimmed.strip_prefix("http://").or_else(|| trimmed.strip_prefix("https://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(NodeUrl(trimmed.to_string())),
            _ => Err(format!("{s:?} is not a node URL like http://127.0.0.1:8645")),
        }
    }
}

impl fmt::Display for NodeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which block to fetch: a height (>= 1) or the chain head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockRef {
    /// The head of the chain.
    Latest,
    /// The block at this height; the first block is height 1.
    Height(u64),
}

impl FromStr for BlockRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "latest" => Ok(BlockRef::Latest),
            _ => match s.parse::<u64>() {
                Ok(0) => Err("height 0 is the genesis state, not a block; blocks start at height 1".to_string()),
                Ok(h) => Ok(BlockRef::Height(h)),
                Err(_) => Err(format!("{s:?} is neither a block height nor `latest`")),
            },
        }
    }
}

impl fmt::Display for BlockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockRef::Latest => f.write_str("latest"),
            BlockRef::Height(h) => write!(f, "{h}"),
        }
    }
}

/// A connection to one node; cheap to clone and reuses connections.
#[derive(Clone, Debug)]
pub struct NodeClient {
    base: NodeUrl,
    agent: ureq::Agent,
}

impl NodeClient {
    /// A client of the node at `base`.
    pub fn new(base: NodeUrl) -> Self {
        let config = ureq::Agent::config_builder()
            // The node explains every refusal in the body; read it instead of getting a bare status.
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .user_agent(concat!("shulian-cli/", env!("CARGO_PKG_VERSION")))
            .build();
        NodeClient { base, agent: config.into() }
    }

    /// The node's base URL.
    pub fn url(&self) -> &NodeUrl {
        &self.base
    }

    /// `GET /api/status`: chain id, height, state root and validators.
    pub fn status(&self) -> Result<StatusResponse, ClientError> {
        self.get_as(routes::STATUS)
    }

    /// `GET /api/account/{id}`: next nonce, settlement balance and organization of an account.
    pub fn account(&self, account: &AccountId) -> Result<AccountResponse, ClientError> {
        self.get_as(&route(routes::ACCOUNT, account))
    }

    /// `GET /api/tx/{hash}` as the node's JSON (see [`NodeClient::tx_status`] for the typed answer).
    pub fn tx(&self, hash: &Hash) -> Result<Value, ClientError> {
        self.get(&route(routes::TX, hash))
    }

    /// `GET /api/tx/{hash}`: pending, committed (with its outcome) or rejected.
    pub fn tx_status(&self, hash: &Hash) -> Result<TxStatusResponse, ClientError> {
        self.get_as(&route(routes::TX, hash))
    }

    /// `GET /api/block/{height|latest}`: header, certificate and transactions with outcomes.
    pub fn block(&self, block: BlockRef) -> Result<BlockResponse, ClientError> {
        self.get_as(&route(routes::BLOCK, block))
    }

    /// `GET /api/org/{id}`: an organization.
    pub fn org(&self, id: &AccountId) -> Result<OrgResponse, ClientError> {
        self.get_as(&route(routes::ORG, id))
    }

    /// `GET /api/dataset/{id}`: a data set with its versions and lineage.
    pub fn dataset(&self, id: &DatasetId) -> Result<DatasetResponse, ClientError> {
        self.get_as(&route(routes::DATASET, id))
    }

    /// `GET /api/request/{id}`: a data-use request and the id of its grant.
    pub fn request(&self, id: &RequestId) -> Result<RequestResponse, ClientError> {
        self.get_as(&route(routes::REQUEST, id))
    }

    /// `GET /api/grant/{id}`: a grant and whether it is usable now (its receipts are paged:
    /// [`NodeClient::grant_receipts`]).
    pub fn grant(&self, id: &GrantId) -> Result<GrantResponse, ClientError> {
        self.get_as(&route(routes::GRANT, id))
    }

    /// `GET /api/proposal/{id}`: a governance proposal.
    pub fn proposal(&self, id: &ProposalId) -> Result<ProposalResponse, ClientError> {
        self.get_as(&route(routes::PROPOSAL, id))
    }

    /// `GET /api/listing/{id}`: a market listing.
    pub fn listing(&self, id: &ListingId) -> Result<ListingResponse, ClientError> {
        self.get_as(&route(routes::LISTING, id))
    }

    /// `GET /api/order/{id}`: a market order.
    pub fn order(&self, id: &OrderId) -> Result<OrderResponse, ClientError> {
        self.get_as(&route(routes::ORDER, id))
    }

    /// `GET /api/market`: the fee rate and the money totals.
    pub fn market(&self) -> Result<MarketResponse, ClientError> {
        self.get_as(routes::MARKET)
    }

    /// `GET /api/events`: one page of `subject`'s events (`kind:id`), after the cursor `after`.
    pub fn events(
        &self,
        subject: impl fmt::Display,
        after: Option<&str>,
        limit: u64,
    ) -> Result<EventsPage, ClientError> {
        self.events_of(subject, None, after, limit)
    }

    /// `GET /api/events?subject=..&type=..`: one page of a subject's events of one type (or of
    /// every type when `kind` is `None`).
    pub fn events_of(
        &self,
        subject: impl fmt::Display,
        kind: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<EventsPage, ClientError> {
        let mut path = format!("{}?subject={subject}&limit={limit}", routes::EVENTS);
        if let Some(kind) = kind {
            path += &format!("&type={kind}");
        }
        if let Some(cursor) = after {
            path += &format!("&after={cursor}");
        }
        self.get_as(&path)
    }

    /// `POST /api/tx`: submits a signed transaction and returns its hash, checked against ours.
    pub fn submit(&self, tx: &Transaction) -> Result<Hash, ClientError> {
        let url = self.endpoint(routes::SUBMIT);
        let bytes = borsh::to_vec(tx)
            .map_err(|e| ClientError::BadResponse { url: url.clone(), reason: format!("cannot encode: {e}") })?;
        let answer: SubmitResponse = self.post_as(routes::SUBMIT, &SubmitRequest { tx: hex::encode(bytes) })?;
        let ours = tx.hash();
        if answer.hash == ours {
            Ok(ours)
        } else {
            Err(ClientError::BadResponse { url, reason: format!("it accepted transaction {ours} as {}", answer.hash) })
        }
    }

    /// `POST /api/txs`: submits signed transactions (at most [`routes::MAX_BATCH_TXS`]) in one
    /// request; the node admits them in order, as if posted one by one. Answers one result per
    /// transaction, in order: its hash (checked against ours) or the node's refusal.
    pub fn submit_batch(&self, txs: &[Transaction]) -> Result<Vec<Result<Hash, Refusal>>, ClientError> {
        let url = self.endpoint(routes::SUBMIT_BATCH);
        let bad = |reason: String| ClientError::BadResponse { url: url.clone(), reason };
        let encoded = txs
            .iter()
            .map(|tx| borsh::to_vec(tx).map(hex::encode))
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| bad(format!("cannot encode: {e}")))?;
        let answer: SubmitBatchResponse = self.post_as(routes::SUBMIT_BATCH, &SubmitBatchRequest { txs: encoded })?;
        if answer.results.len() != txs.len() {
            return Err(bad(format!("{} results for {} transactions", answer.results.len(), txs.len())));
        }
        txs.iter()
            .zip(answer.results)
            .map(|(tx, result)| match result {
                SubmitResult::Refused { error } => Ok(Err(Refusal { code: error.code, message: error.message })),
                SubmitResult::Admitted { hash } if hash == tx.hash() => Ok(Ok(hash)),
                SubmitResult::Admitted { hash } => Err(bad(format!("it accepted transaction {} as {hash}", tx.hash()))),
            })
            .collect()
    }

    /// A GET of `path` (starting with `/api`), answering the node's JSON.
    pub fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.get_as(path)
    }

    /// A GET of `path` (starting with `/api`), answering the node's answer as a `T`.
    pub fn get_as<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let url = self.endpoint(path);
        let answer = self.agent.get(&url).call();
        self.finish(url, answer)
    }

    /// A GET of `path` (starting with `/api`), answering the body's bytes as they are (exports);
    /// a refusal or failure is the matching error, as for [`NodeClient::get_as`].
    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        let url = self.endpoint(path);
        let unreachable = |reason: String| ClientError::Unreachable { url: self.base.to_string(), reason };
        let mut response = self.agent.get(&url).call().map_err(|e| unreachable(transport_reason(e)))?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| unreachable(format!("reading the answer: {e}")))?;
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        match interpret(&url, status, &String::from_utf8_lossy(&bytes)) {
            Err(e) => Err(e),
            Ok(_) => Err(ClientError::BadResponse { url, reason: format!("HTTP {status}") }),
        }
    }

    /// A POST of `body` as JSON to `path`, answering the node's JSON.
    pub fn post(&self, path: &str, body: &Value) -> Result<Value, ClientError> {
        self.post_as(path, body)
    }

    /// A POST of `body` as JSON to `path`, answering the node's answer as a `T`.
    pub fn post_as<B: Serialize + ?Sized, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClientError> {
        let url = self.endpoint(path);
        let answer = self.agent.post(&url).send_json(body);
        self.finish(url, answer)
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn finish<T: DeserializeOwned>(
        &self,
        url: String,
        answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, ClientError> {
        let mut response =
            answer.map_err(|e| ClientError::Unreachable { url: self.base.to_string(), reason: transport_reason(e) })?;
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(MAX_RESPONSE_BYTES).read_to_string().map_err(|e| {
            ClientError::Unreachable { url: self.base.to_string(), reason: format!("reading the answer: {e}") }
        })?;
        interpret_as(&url, status, &body)
    }
}

/// `template` (a [`routes`] path) with its one `{name}` parameter replaced by `value`.
pub fn route(template: &str, value: impl fmt::Display) -> String {
    match (template.find('{'), template.find('}')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{value}{}", &template[..open], &template[close + 1..])
        }
        _ => template.to_string(),
    }
}

/// Turns a status and body into the node's JSON or the matching error.
pub fn interpret(url: &str, status: u16, body: &str) -> Result<Value, ClientError> {
    interpret_as(url, status, body)
}

/// The last segment of a type's path: `StatusResponse` for `shulian_api::chain::StatusResponse`.
fn type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let path = full.split('<').next().unwrap_or(full);
    path.rsplit("::").next().unwrap_or(path)
}

/// Turns a status and body into the node's answer as a `T`, or the matching error: a 2xx answer
/// that is not a `T` is [`ClientError::BadResponse`] naming the type and what was wrong.
pub fn interpret_as<T: DeserializeOwned>(url: &str, status: u16, body: &str) -> Result<T, ClientError> {
    if (200..300).contains(&status) {
        return serde_json::from_str::<T>(body).map_err(|e| ClientError::BadResponse {
            url: url.to_string(),
            reason: format!("HTTP {status} with a body that is not a {}: {e}", type_name::<T>()),
        });
    }
    let error = serde_json::from_str::<ApiErrorBody>(body).ok().map(|b| b.error);
    let code = error.as_ref().map_or_else(|| format!("http_{status}"), |e| e.code.clone());
    let message = error.map_or_else(|| describe_raw(status, body), |e| e.message);
    match status {
        400..=499 => Err(ClientError::Refused { status, code, message }),
        500..=599 => Err(ClientError::ServerError { status, code, message }),
        _ => Err(ClientError::BadResponse { url: url.to_string(), reason: format!("HTTP {status}: {message}") }),
    }
}

/// The transport failure in plain words (ureq prefixes OS errors with `io: `).
fn transport_reason(e: ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io.to_string(),
        e => e.to_string(),
    }
}

/// A short description of a non-API error body (a proxy's HTML page, say).
fn describe_raw(status: u16, body: &str) -> String {
    let text: String = body.trim().chars().take(200).collect();
    if text.is_empty() { format!("HTTP {status} without an explanation") } else { format!("HTTP {status}: {text}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_url_needs_a_scheme_and_loses_its_trailing_slash() {
        assert_eq!(
            "http://127.0.0.1:8645/".parse::<NodeUrl>().map(|u| u.to_string()),
            Ok("http://127.0.0.1:8645".into())
        );
        assert!("https://node.example".parse::<NodeUrl>().is_ok());
        for bad in ["127.0.0.1:8645", "http://", "ftp://x", ""] {
            assert!(bad.parse::<NodeUrl>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn block_ref_is_a_positive_height_or_latest() {
        assert_eq!("latest".parse(), Ok(BlockRef::Latest));
        assert_eq!("7".parse(), Ok(BlockRef::Height(7)));
        assert!("0".parse::<BlockRef>().is_err());
        assert!("head".parse::<BlockRef>().is_err());
    }

    #[test]
    fn success_passes_the_json_through() {
        let v = interpret("u", 200, r#"{"chain_id":"c","height":3}"#).expect("ok");
        assert_eq!(v["height"], 3);
        assert!(matches!(interpret("u", 202, "<html>"), Err(ClientError::BadResponse { .. })));
    }

    #[test]
    fn an_answer_that_is_not_its_type_is_a_bad_response_naming_the_type() {
        let incomplete = r#"{"chain_id":"c","height":3}"#;
        match interpret_as::<StatusResponse>("u", 200, incomplete) {
            Err(e @ ClientError::BadResponse { .. }) => {
                let text = e.to_string();
                assert!(text.contains("StatusResponse") && text.contains("missing field"), "{text}");
                assert_eq!(e.code(), "bad_response");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn routes_get_their_parameter_filled_in() {
        let id = AccountId([0xab; 32]);
        assert_eq!(route(routes::ACCOUNT, id), format!("/api/account/{id}"));
        assert_eq!(route(routes::BLOCK, BlockRef::Latest), "/api/block/latest");
        assert_eq!(route(routes::STATUS, 1), "/api/status");
    }

    #[test]
    fn refusal_keeps_the_nodes_code_and_message() {
        let body = r#"{"error":{"code":"stale_nonce","message":"stale nonce 3"}}"#;
        match interpret("u", 400, body) {
            Err(ClientError::Refused { status: 400, code, message }) => {
                assert_eq!(code, "stale_nonce");
                assert_eq!(message, "stale nonce 3");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn server_errors_and_non_api_bodies_are_described() {
        let e = interpret("u", 502, "Bad Gateway").expect_err("error");
        assert_eq!(e.code(), "http_502");
        assert_eq!(e.exit_code(), crate::exit::UNREACHABLE);
        assert!(e.to_string().contains("Bad Gateway"));
        let e = interpret("u", 404, "").expect_err("error");
        assert_eq!(e.exit_code(), crate::exit::REFUSED);
        assert!(e.to_string().contains("HTTP 404"));
    }
}
