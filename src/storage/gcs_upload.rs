//! GCS writes through the JSON API (`POST /upload/storage/v1/b/{bucket}/o?uploadType=media`), with object_store's
//! credential provider for the token and our own bounded retries.
//!
//! Why not object_store's writer: it uses GCS's XML API, which fake-gcs-server does not implement, so its writes
//! could only be tested against a stub. This client is tested against fake-gcs-server and a 503-then-200 stub.

use std::time::{Duration, Instant};

use object_store::gcp::GcpCredentialProvider;

use crate::retry::RetryPolicy;

/// Uploads whole objects to one bucket.
#[derive(Debug)]
pub struct GcsUpload {
    client: reqwest::Client,
    base: reqwest::Url,
    bucket: String,
    credentials: GcpCredentialProvider,
    retry: RetryPolicy,
}

/// Profiles and metadata are small; one media upload carries them.
const STORE: &str = "GCS";

fn generic(message: String) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE,
        source: message.into(),
    }
}

impl GcsUpload {
    pub fn new(
        base: &str,
        bucket: &str,
        credentials: GcpCredentialProvider,
        retry: RetryPolicy,
    ) -> Result<GcsUpload, String> {
        let base = reqwest::Url::parse(base).map_err(|e| format!("invalid GCS endpoint {base:?}: {e}"))?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(GcsUpload {
            client,
            base,
            bucket: bucket.to_string(),
            credentials,
            retry,
        })
    }

    fn upload_url(&self, name: &str, create: bool) -> Result<reqwest::Url, object_store::Error> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| generic(format!("GCS endpoint {} cannot take a path", self.base)))?
            .pop_if_empty()
            .extend(["upload", "storage", "v1", "b", &self.bucket, "o"]);
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("uploadType", "media").append_pair("name", name);
            if create {
                // Real GCS refuses the upload with 412 when the object exists (the emulators do not enforce it).
                query.append_pair("ifGenerationMatch", "0");
            }
        }
        Ok(url)
    }

    /// Uploads `bytes` as object `name`; with `create`, only if it does not exist yet (`AlreadyExists` otherwise).
    pub async fn put(&self, name: &str, bytes: Vec<u8>, create: bool) -> Result<(), object_store::Error> {
        let url = self.upload_url(name, create)?;
        let token = self.credentials.get_credential().await?;
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let mut request = self
                .client
                .post(url.clone())
                .header("content-type", "application/octet-stream")
                .body(bytes.clone());
            if !token.bearer.is_empty() {
                request = request.bearer_auth(&token.bearer);
            }
            let failure = match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) if response.status() == reqwest::StatusCode::PRECONDITION_FAILED => {
                    return Err(object_store::Error::AlreadyExists {
                        path: name.to_string(),
                        source: "the object exists (HTTP 412)".into(),
                    });
                }
                Ok(response) => {
                    let status = response.status();
                    let transient = status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
                    let body = response.text().await.unwrap_or_default();
                    let message = format!("HTTP {status}: {}", body.chars().take(200).collect::<String>());
                    if !transient {
                        return Err(generic(message));
                    }
                    message
                }
                // The error names the URL without credentials (the token is a header).
                Err(e) => format!("request failed: {e}"),
            };
            let backoff = self.retry.backoff(attempt);
            if !self.retry.allows(attempt, started.elapsed(), backoff) {
                return Err(generic(format!("{failure} (after {} attempts)", attempt + 1)));
            }
            attempt += 1;
            tracing::debug!("retrying the upload of {name} in {backoff:?}: {failure}");
            tokio::time::sleep(backoff).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn upload_urls_encode_the_name_and_ask_for_create_only() {
        let provider: GcpCredentialProvider = Arc::new(object_store::StaticCredentialProvider::new(
            object_store::gcp::GcpCredential { bearer: String::new() },
        ));
        let upload =
            GcsUpload::new("http://127.0.0.1:1/", "cov", provider, RetryPolicy::STORAGE).expect("valid endpoint");
        let url = upload.upload_url("logs/j/1/artifacts/a b.json", true).expect("url");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/upload/storage/v1/b/cov/o?uploadType=media&name=logs%2Fj%2F1%2Fartifacts%2Fa+b.json&ifGenerationMatch=0"
        );
    }
}
