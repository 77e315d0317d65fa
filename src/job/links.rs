//! Links out of the reports: the HTML report's header links to the Prow build (Spyglass), the comment to the
//! uploaded HTML and to the baseline's build. Each is built from a `links.*` template of the configuration and the
//! job's upload location (`JOB_SPEC`'s `gcs_path`, the `gs://` storage URL), and only when both are known.

use crate::config::{LinkTemplate, LinkVars};
use crate::settings::JobSettings;
use crate::storage::BuildRef;

/// Links for the HTML report's header: the build's page (`links.build`) when configured and known.
pub fn html_links(s: &JobSettings) -> Vec<(String, String)> {
    let mut links = Vec::new();
    if let (Some(template), Some(upload)) = (&s.config.config.links.build, upload(s)) {
        links.push((
            "Prow build".to_owned(),
            expand(template, &upload.bucket, &upload.build_path, s),
        ));
    }
    links
}

/// The URL of an artifact once Prow has uploaded it, when `links.artifacts` and the upload path are known.
pub fn artifact_url(s: &JobSettings, name: &str) -> Option<String> {
    let template = s.config.config.links.artifacts.as_ref()?;
    let upload = upload(s)?;
    Some(expand(
        template,
        &upload.bucket,
        &format!("{}/artifacts/{name}", upload.build_path),
        s,
    ))
}

/// The baseline build's page, when `links.build` is set and the storage is the Prow bucket (`gs://`).
pub fn baseline_build_url(s: &JobSettings, build: &BuildRef) -> Option<String> {
    let template = s.config.config.links.build.as_ref()?;
    let url = s.config.config.storage.url.as_str();
    let rest = url.strip_prefix("gs://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_matches('/');
    let path = if prefix.is_empty() {
        build.dir()
    } else {
        format!("{prefix}/{}", build.dir())
    };
    Some(template.expand(&LinkVars {
        bucket,
        path: &path,
        job: &build.job,
        build: &build.build_id,
    }))
}

fn upload(s: &JobSettings) -> Option<&crate::prow::Upload> {
    s.prow.as_ref().and_then(|p| p.upload.as_ref())
}

fn expand(template: &LinkTemplate, bucket: &str, path: &str, s: &JobSettings) -> String {
    template.expand(&LinkVars {
        bucket,
        path,
        job: &s.job_name,
        build: &s.build_id,
    })
}
