//! An in-process fake GitHub (a wiremock responder with state) that records every request, shared by the bot's
//! tests (tests/github.rs) and the job's end-to-end tests (tests/run.rs). It answers with the bodies of GitHub's
//! published description (scripts/github-contract), so Prism's proxy can check its answers too.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

pub const BOT: &str = "prowcov-bot";
pub const HEAD: &str = "1111111111111111111111111111111111111111";

/// The spec's example bodies, so the fake answers with full GitHub objects (the proxy test checks them).
pub fn examples() -> &'static Value {
    static EXAMPLES: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let text = std::fs::read_to_string(contract_dir().join("github-contract.json")).expect("read the contract");
        let spec: Value = serde_json::from_str(&text).expect("contract is JSON");
        spec["components"]["examples"].clone()
    })
}

pub fn example(name: &str) -> Value {
    examples()[name]["value"].clone()
}

/// One injected failure: the next request with this method whose path ends with `path_suffix` gets `status` and
/// `headers`; with `land`, a create is carried out before the failure is returned (a 502 that hid a success).
pub struct Fault {
    pub method: &'static str,
    pub path_suffix: &'static str,
    pub status: u16,
    pub headers: Vec<(&'static str, &'static str)>,
    pub land: bool,
    /// The error message quotes the request's `Authorization` header back, as a careless server or proxy might.
    pub echo_token: bool,
}

impl Fault {
    /// The next `method` request to a path ending with `path_suffix` fails with `status`, without landing.
    pub fn new(method: &'static str, path_suffix: &'static str, status: u16) -> Fault {
        Fault {
            method,
            path_suffix,
            status,
            headers: Vec::new(),
            land: false,
            echo_token: false,
        }
    }

    pub fn with_headers(mut self, headers: &[(&'static str, &'static str)]) -> Fault {
        self.headers = headers.to_vec();
        self
    }

    /// The failure's message quotes the token back.
    pub fn echoing_token(mut self) -> Fault {
        self.echo_token = true;
        self
    }

    /// The request is carried out before the failure is returned (a 5xx that hid a success).
    pub fn landing(mut self) -> Fault {
        self.land = true;
        self
    }
}

#[derive(Default)]
pub struct State {
    /// (id, author, body), oldest first.
    pub comments: Vec<(u64, String, String)>,
    pub next_id: u64,
    pub pr_head: String,
    pub faults: VecDeque<Fault>,
    /// (method, path and query, when).
    pub log: Vec<(String, String, Instant)>,
    /// Bodies and headers of every request, to look for the token where it must not be.
    pub authorization_seen: Vec<String>,
}

#[derive(Clone)]
pub struct FakeGitHub(Arc<Mutex<State>>);

impl FakeGitHub {
    pub fn new() -> FakeGitHub {
        FakeGitHub(Arc::new(Mutex::new(State {
            next_id: 1000,
            pr_head: HEAD.to_owned(),
            ..State::default()
        })))
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().expect("fake state")
    }

    pub fn add_comment(&self, author: &str, body: &str) -> u64 {
        let mut s = self.state();
        s.next_id += 1;
        let id = s.next_id;
        s.comments.push((id, author.to_owned(), body.to_owned()));
        id
    }

    pub fn fault(&self, fault: Fault) {
        self.state().faults.push_back(fault);
    }

    /// `METHOD path` of every request, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state().log.iter().map(|(m, p, _)| format!("{m} {p}")).collect()
    }

    pub fn count(&self, method: &str, path_part: &str) -> usize {
        self.state()
            .log
            .iter()
            .filter(|(m, p, _)| m == method && p.contains(path_part))
            .count()
    }

    pub fn comment_json(id: u64, author: &str, body: &str) -> Value {
        let mut c = example("issue-comment");
        c["id"] = json!(id);
        c["body"] = json!(body);
        c["user"]["login"] = json!(author);
        c
    }
}

impl Respond for FakeGitHub {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let method = request.method.as_str().to_owned();
        let path = request.url.path().to_owned();
        let full = match request.url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let mut s = self.state();
        s.log.push((method.clone(), full, Instant::now()));
        if let Some(auth) = request.headers.get("authorization").and_then(|v| v.to_str().ok()) {
            s.authorization_seen.push(auth.to_owned());
        } else {
            return ResponseTemplate::new(401).set_body_json(json!({"message": "Requires authentication"}));
        }
        let fault_index = s
            .faults
            .iter()
            .position(|f| f.method == method && path.ends_with(f.path_suffix));
        let fault = fault_index.and_then(|i| s.faults.remove(i));
        if let Some(f) = &fault
            && !f.land
        {
            let message = match (f.echo_token, s.authorization_seen.last()) {
                (true, Some(auth)) => format!("injected failure for {auth}"),
                _ => "injected failure".to_owned(),
            };
            let mut t = ResponseTemplate::new(f.status).set_body_json(json!({"message": message}));
            for (k, v) in &f.headers {
                t = t.insert_header(*k, *v);
            }
            return t;
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let response = match (method.as_str(), segments.as_slice()) {
            ("GET", ["user"]) => {
                let mut u = example("private-user-response-with-public-and-private-profile-information");
                u["login"] = json!(BOT);
                ResponseTemplate::new(200).set_body_json(u)
            }
            ("GET", ["repos", _, _, "issues", _, "comments"]) => {
                let query = |name: &str| {
                    request
                        .url
                        .query_pairs()
                        .find(|(k, _)| k == name)
                        .and_then(|(_, v)| v.parse::<usize>().ok())
                };
                let per_page = query("per_page").unwrap_or(30);
                let page = query("page").unwrap_or(1);
                let items: Vec<Value> = s
                    .comments
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .map(|(id, a, b)| FakeGitHub::comment_json(*id, a, b))
                    .collect();
                let mut t = ResponseTemplate::new(200).set_body_json(items);
                if page * per_page < s.comments.len() {
                    // wiremock's `url` says localhost; the Host header is the address the client used.
                    let host = request
                        .headers
                        .get("host")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or("localhost");
                    let link = format!(
                        "<http://{host}{path}?per_page={per_page}&page={}>; rel=\"next\"",
                        page + 1
                    );
                    t = t.insert_header("link", link.as_str());
                }
                t
            }
            ("POST", ["repos", _, _, "issues", _, "comments"]) => {
                let body = request
                    .body_json::<Value>()
                    .ok()
                    .and_then(|v| v["body"].as_str().map(str::to_owned));
                let Some(body) = body else {
                    return ResponseTemplate::new(422).set_body_json(json!({"message": "body is missing"}));
                };
                s.next_id += 1;
                let id = s.next_id;
                s.comments.push((id, BOT.to_owned(), body.clone()));
                ResponseTemplate::new(201).set_body_json(FakeGitHub::comment_json(id, BOT, &body))
            }
            ("PATCH", ["repos", _, _, "issues", "comments", id]) => {
                let body = request
                    .body_json::<Value>()
                    .ok()
                    .and_then(|v| v["body"].as_str().map(str::to_owned));
                let id: u64 = id.parse().unwrap_or(0);
                match (body, s.comments.iter_mut().find(|c| c.0 == id)) {
                    (Some(body), Some(c)) => {
                        c.2 = body;
                        let c = c.clone();
                        ResponseTemplate::new(200).set_body_json(FakeGitHub::comment_json(c.0, &c.1, &c.2))
                    }
                    _ => ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
                }
            }
            ("GET", ["repos", _, _, "pulls", _]) => {
                let mut pr = example("pull-request");
                // The description's own example fails its schema (`requested_teams[0]` lacks the required `type`,
                // @octokit/openapi 23.0.2), and Prism's proxy checks the fake's answers: leave the teams out.
                pr["requested_teams"] = json!([]);
                pr["head"]["sha"] = json!(s.pr_head);
                ResponseTemplate::new(200).set_body_json(pr)
            }
            ("POST", ["repos", _, _, "statuses", _]) => ResponseTemplate::new(201).set_body_json(example("status")),
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
        };
        // A fault that lands: the work above was done, but the client sees the failure.
        match fault {
            Some(f) => ResponseTemplate::new(f.status).set_body_json(json!({"message": "Server Error"})),
            None => response,
        }
    }
}

/// A runtime for the mock server's async API; the server itself runs on its own thread.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub struct Fixture {
    pub _rt: tokio::runtime::Runtime,
    pub server: MockServer,
    pub fake: FakeGitHub,
}

impl Fixture {
    pub fn start() -> Fixture {
        let rt = rt();
        let fake = FakeGitHub::new();
        let server = rt.block_on(async {
            let server = MockServer::builder().start().await;
            Mock::given(any()).respond_with(fake.clone()).mount(&server).await;
            server
        });
        assert!(server.uri().starts_with("http://127.0.0.1:"), "{}", server.uri());
        Fixture { _rt: rt, server, fake }
    }
}

pub fn contract_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/github-contract")
}
