//! One interface over object storage: a local folder (the embedded default), Google Cloud Storage and S3, all behind
//! [`Store`], a small blocking wrapper around `Arc<dyn ObjectStore>` that owns its tokio runtime, bounds retries and
//! counts every request it makes.
//!
//! GCS reads and lists go through object_store (GCS's XML API); GCS writes go through [`GcsUpload`], a small
//! JSON-API client that uses object_store's credential provider, so that writes can be tested against
//! fake-gcs-server (which lacks the XML API's PUT).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig,
};

use super::gcs_upload::GcsUpload;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// object_store's form of the policy.
fn to_object_store(policy: RetryPolicy) -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: policy.initial_backoff,
            max_backoff: policy.max_backoff,
            base: 2.0,
        },
        max_retries: policy.max_retries as usize,
        retry_timeout: policy.total,
    }
}

/// Static S3 keys (tests, emulators); otherwise the usual `AWS_*` environment applies. Never printed.
#[derive(Clone)]
pub struct S3Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for S3Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("S3Keys(<redacted>)")
    }
}

/// How to reach the backends. [`StoreOptions::from_env`] takes what a Prow job has.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// GCS endpoint override (`PROWCOV_GCS_ENDPOINT`), for example fake-gcs-server at `http://127.0.0.1:4443`.
    /// With an override and no credentials file, requests carry no token.
    pub gcs_endpoint: Option<String>,
    /// A service-account (or other application-default) credentials file: `GOOGLE_APPLICATION_CREDENTIALS`.
    /// Without one, GCS reads are anonymous (public buckets) and writes use the metadata server's identity.
    pub gcs_credentials: Option<PathBuf>,
    /// S3 endpoint override (`PROWCOV_S3_ENDPOINT`, else `AWS_ENDPOINT_URL`), for example moto.
    pub s3_endpoint: Option<String>,
    pub s3_keys: Option<S3Keys>,
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`; S3 requests go to `us-east-1` without one.
    pub s3_region: Option<String>,
    pub retry: RetryPolicy,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            gcs_endpoint: None,
            gcs_credentials: None,
            s3_endpoint: None,
            s3_keys: None,
            s3_region: None,
            retry: RetryPolicy::STORAGE,
        }
    }
}

impl StoreOptions {
    /// The options a Prow job gets from its environment.
    pub fn from_env(env: &Env) -> StoreOptions {
        let var = |name: &str| env.get(name).map(str::to_owned);
        StoreOptions {
            gcs_endpoint: var("PROWCOV_GCS_ENDPOINT"),
            gcs_credentials: var("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from),
            s3_endpoint: var("PROWCOV_S3_ENDPOINT").or_else(|| var("AWS_ENDPOINT_URL")),
            s3_keys: None,
            s3_region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            retry: RetryPolicy::STORAGE,
        }
    }
}

/// The result of a create-only write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    Written,
    /// Another writer got there first; nothing was changed.
    AlreadyExists,
}

/// Object storage under one prefix. Keys are `/`-separated and relative to the prefix.
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// The GCS JSON-API writer, for `gs://` stores.
    gcs_upload: Option<GcsUpload>,
    prefix: String,
    /// The URL the store was opened with, without a trailing `/`; errors name objects under it.
    url: String,
    runtime: tokio::runtime::Runtime,
    requests: Arc<AtomicU64>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("url", &self.url).finish_non_exhaustive()
    }
}

/// Where a storage URL points.
enum Location {
    Local(PathBuf),
    Gcs { bucket: String, prefix: String },
    S3 { bucket: String, prefix: String },
}

fn parse_location(url: &str) -> Result<Location> {
    let bucket_and_prefix = |rest: &str| -> Result<(String, String)> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::Usage(format!(
                "--storage {url}: no bucket; expected gs://BUCKET[/PREFIX] or s3://BUCKET[/PREFIX]"
            )));
        }
        Ok((bucket.to_string(), prefix.trim_matches('/').to_string()))
    };
    if let Some(rest) = url.strip_prefix("gs://") {
        let (bucket, prefix) = bucket_and_prefix(rest)?;
        Ok(Location::Gcs { bucket, prefix })
    } else if let Some(rest) = url.strip_prefix("s3://") {
        let (bucket, prefix) = bucket_and_prefix(rest)?;
        Ok(Location::S3 { bucket, prefix })
    } else if let Some(path) = url.strip_prefix("file://") {
        Ok(Location::Local(PathBuf::from(path)))
    } else if url.contains("://") {
        Err(Error::Usage(format!(
            "--storage {url}: unsupported scheme; expected gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, file://PATH or a \
             folder"
        )))
    } else {
        Ok(Location::Local(PathBuf::from(url)))
    }
}

impl Store {
    /// Opens the storage at `url`: `gs://bucket/prefix`, `s3://bucket/prefix`, `file:///path` or a plain folder
    /// (created if missing).
    pub fn open(url: &str, options: &StoreOptions) -> Result<Store> {
        let display = url.trim_end_matches('/').to_string();
        let config_error = |e: &dyn fmt::Display| Error::Storage {
            url: display.clone(),
            message: format!("cannot set up the client: {e}"),
        };
        let client = ClientOptions::new()
            .with_allow_http(true)
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(60));
        let retry = to_object_store(options.retry);
        let (inner, prefix, gcs_upload): (Arc<dyn ObjectStore>, String, Option<GcsUpload>) = match parse_location(url)?
        {
            Location::Local(dir) => {
                crate::fsutil::create_dir(&dir)?;
                let fs = LocalFileSystem::new_with_prefix(&dir).map_err(|e| config_error(&e))?;
                (Arc::new(fs), String::new(), None)
            }
            Location::Gcs { bucket, prefix } => {
                let mut builder = GoogleCloudStorageBuilder::new()
                    .with_bucket_name(&bucket)
                    .with_client_options(client)
                    .with_retry(retry.clone());
                if let Some(endpoint) = &options.gcs_endpoint {
                    builder = builder.with_base_url(endpoint.trim_end_matches('/'));
                }
                builder = match (&options.gcs_credentials, &options.gcs_endpoint) {
                    (Some(file), _) => builder.with_application_credentials(file.to_string_lossy()),
                    // An emulator: a key that switches OAuth off (object_store would otherwise ask the GCE
                    // metadata server for a token, even with anonymous reads).
                    (None, Some(endpoint)) => builder.with_service_account_key(
                        serde_json::json!({"gcs_base_url": endpoint, "disable_oauth": true,
                                "client_email": "", "private_key": "", "private_key_id": ""})
                        .to_string(),
                    ),
                    (None, None) => builder.with_skip_signature(true),
                };
                let gcs = builder.build().map_err(|e| config_error(&e))?;
                let base = options
                    .gcs_endpoint
                    .as_deref()
                    .unwrap_or("https://storage.googleapis.com");
                let upload = GcsUpload::new(base, &bucket, Arc::clone(gcs.credentials()), options.retry)
                    .map_err(|e| config_error(&e))?;
                (Arc::new(gcs), prefix, Some(upload))
            }
            Location::S3 { bucket, prefix } => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(&bucket)
                    .with_client_options(client)
                    .with_retry(retry);
                if let Some(endpoint) = &options.s3_endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(keys) = &options.s3_keys {
                    builder = builder
                        .with_access_key_id(&keys.access_key_id)
                        .with_secret_access_key(&keys.secret_access_key);
                }
                builder = builder.with_region(options.s3_region.as_deref().unwrap_or("us-east-1"));
                let s3 = builder.build().map_err(|e| config_error(&e))?;
                (Arc::new(s3), prefix, None)
            }
        };
        Store::with_parts(inner, gcs_upload, prefix, display)
    }

    /// Wraps any object store (for example `object_store::memory::InMemory` in tests); `url` names it in messages.
    pub fn from_object_store(inner: Arc<dyn ObjectStore>, url: &str) -> Result<Store> {
        Store::with_parts(inner, None, String::new(), url.trim_end_matches('/').to_string())
    }

    fn with_parts(
        inner: Arc<dyn ObjectStore>,
        gcs_upload: Option<GcsUpload>,
        prefix: String,
        url: String,
    ) -> Result<Store> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Storage {
                url: url.clone(),
                message: format!("cannot start the I/O runtime: {e}"),
            })?;
        Ok(Store {
            inner,
            gcs_upload,
            prefix,
            url,
            runtime,
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The full URL of `key`, for messages.
    pub fn url_of(&self, key: &str) -> String {
        format!("{}/{key}", self.url)
    }

    /// The URL the store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Storage requests made so far (each get, put, head and list call counts once, retries not included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn path(&self, key: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    fn error(&self, key: &str, action: &str, e: &dyn fmt::Display) -> Error {
        Error::Storage {
            url: self.url_of(key),
            message: format!(
                "cannot {action}: {e}; check the bucket name, the credentials (GOOGLE_APPLICATION_CREDENTIALS or \
                 AWS_*) and the network"
            ),
        }
    }

    /// Reads `key`; `None` when it does not exist.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.count();
        let path = self.path(key);
        let result = self.runtime.block_on(async {
            let got = self.inner.get(&path).await?;
            got.bytes().await
        });
        match result {
            Ok(bytes) => Ok(Some(bytes.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(key, "read the object", &e)),
        }
    }

    /// Writes `key`, replacing it if it exists.
    pub fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        self.write(key, bytes, PutMode::Overwrite).map(|_| ())
    }

    /// Writes `key` only if it does not exist yet (an atomic create where the backend supports it: GCS
    /// `ifGenerationMatch=0`, S3 `If-None-Match`, a local `link`).
    pub fn create(&self, key: &str, bytes: Vec<u8>) -> Result<Created> {
        self.write(key, bytes, PutMode::Create)
    }

    fn write(&self, key: &str, bytes: Vec<u8>, mode: PutMode) -> Result<Created> {
        self.count();
        let path = self.path(key);
        let create = matches!(mode, PutMode::Create);
        let result = match &self.gcs_upload {
            Some(upload) => self.runtime.block_on(upload.put(path.as_ref(), bytes, create)),
            None => self.runtime.block_on(async {
                let options = PutOptions {
                    mode,
                    ..Default::default()
                };
                self.inner
                    .put_opts(&path, PutPayload::from(bytes), options)
                    .await
                    .map(|_| ())
            }),
        };
        match result {
            Ok(()) => Ok(Created::Written),
            Err(object_store::Error::AlreadyExists { .. }) if create => Ok(Created::AlreadyExists),
            Err(e) => Err(self.error(key, "write the object", &e)),
        }
    }

    /// The immediate "folders" under `key_prefix` (`logs/job/` → `["1", "2", "latest-build.txt"...]` minus objects),
    /// as names relative to it.
    pub fn list_dirs(&self, key_prefix: &str) -> Result<Vec<String>> {
        self.count();
        let path = self.path(key_prefix.trim_end_matches('/'));
        let listed = self.runtime.block_on(self.inner.list_with_delimiter(Some(&path)));
        match listed {
            Ok(list) => Ok(list
                .common_prefixes
                .iter()
                .filter_map(|p| p.filename().map(str::to_string))
                .collect()),
            Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(self.error(key_prefix, "list the folder", &e)),
        }
    }

    /// Every object key under `key_prefix`, relative to the store, sorted (for operators and tests).
    pub fn list_keys(&self, key_prefix: &str) -> Result<Vec<String>> {
        self.count();
        let path = self.path(key_prefix.trim_end_matches('/'));
        let listed = self
            .runtime
            .block_on(self.inner.list(Some(&path)).try_collect::<Vec<_>>());
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        match listed {
            Ok(objects) => {
                let mut keys: Vec<String> = objects
                    .iter()
                    .map(|o| {
                        o.location
                            .as_ref()
                            .strip_prefix(&strip)
                            .unwrap_or(o.location.as_ref())
                            .to_string()
                    })
                    .collect();
                keys.sort();
                Ok(keys)
            }
            Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(self.error(key_prefix, "list the objects", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_by_scheme() {
        assert!(
            matches!(parse_location("gs://b/p/q/"), Ok(Location::Gcs { bucket, prefix }) if bucket == "b" && prefix == "p/q")
        );
        assert!(
            matches!(parse_location("s3://b"), Ok(Location::S3 { bucket, prefix }) if bucket == "b" && prefix.is_empty())
        );
        assert!(
            matches!(parse_location("file:///tmp/x"), Ok(Location::Local(p)) if p == std::path::Path::new("/tmp/x"))
        );
        assert!(matches!(parse_location(".prowcov"), Ok(Location::Local(_))));
        let err = parse_location("ftp://x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("unsupported scheme"), "{err}");
        let err = parse_location("gs:///p")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("no bucket"), "{err}");
    }

    #[test]
    fn create_does_not_overwrite() {
        let store =
            Store::from_object_store(Arc::new(object_store::memory::InMemory::new()), "memory://t").expect("store");
        assert_eq!(store.create("a", b"1".to_vec()).expect("create"), Created::Written);
        assert_eq!(
            store.create("a", b"2".to_vec()).expect("create"),
            Created::AlreadyExists
        );
        assert_eq!(store.get("a").expect("get"), Some(b"1".to_vec()));
        assert_eq!(store.get("missing").expect("get"), None);
        assert_eq!(store.requests(), 4);
    }

    #[test]
    fn keys_are_redacted_in_debug_output() {
        let keys = S3Keys {
            access_key_id: "AKIA".into(),
            secret_access_key: "secret".into(),
        };
        assert_eq!(format!("{keys:?}"), "S3Keys(<redacted>)");
    }
}
