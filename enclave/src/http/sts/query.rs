//! The AWS query protocol as STS speaks it: the form body in, the XML answers and errors out.
//!
//! The form (`application/x-www-form-urlencoded`) is decoded here rather than with a crate: the
//! endpoint reads two fields of it (`Action`, `Version`), the decoding is a few lines, and the
//! enclave's dependency tree (its trusted computing base) stays as it is. Decoding never fails:
//! a malformed escape is kept as written, invalid UTF-8 is replaced, as browsers and
//! `form_urlencoded` do. When a name repeats, the first value counts — as real STS does
//! (`Action=GetCallerIdentity&Action=NoSuchAction` succeeds; recorded from AWS by public STS
//! probe suites).
//!
//! XML text is escaped here too: `&`, `<` and `>`, the characters element content cannot hold
//! (quotes can, and STS's messages show them as they are: "scoped to correct service: 'sts'").

use super::caller_identity::CallerIdentity;

/// STS's XML namespace (botocore's `sts/2011-06-15/service-2.json`, `xmlNamespace`).
pub const XML_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The only STS API version (the model's `apiVersion`).
pub const API_VERSION: &str = "2011-06-15";

/// The `Content-Type` of STS's answers.
pub const XML_CONTENT_TYPE: &str = "text/xml";

/// What real STS names a missing `Version` in its `InvalidAction` message.
pub const NO_VERSION: &str = "NO_VERSION_SPECIFIED";

/// Where real STS redirects (HTTP 302) a request without an `Action`.
pub const NO_ACTION_LOCATION: &str = "https://aws.amazon.com/iam";

/// The fields of a query request this endpoint reads.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct QueryRequest {
    /// `Action`, the operation (first one if repeated).
    pub action: Option<String>,
    /// `Version`, the API version (first one if repeated).
    pub version: Option<String>,
}

impl QueryRequest {
    /// Reads `Action` and `Version` from a form body; other fields are ignored, as STS ignores
    /// unknown parameters.
    pub fn parse(body: &[u8]) -> QueryRequest {
        let mut request = QueryRequest::default();
        for pair in body.split(|b| *b == b'&') {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &b""[..]),
            };
            let slot = match decode(name).as_str() {
                "Action" => &mut request.action,
                "Version" => &mut request.version,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(decode(value));
            }
        }
        request
    }
}

/// Decodes one `application/x-www-form-urlencoded` name or value: `+` is a space, `%XY` a byte.
pub fn decode(raw: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((&first, tail)) = rest.split_first() {
        match first {
            b'+' => bytes.push(b' '),
            b'%' => {
                let escaped = tail
                    .get(..2)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                if let Some(byte) = escaped {
                    bytes.push(byte);
                    rest = &tail[2..];
                    continue;
                }
                bytes.push(b'%');
            }
            other => bytes.push(other),
        }
        rest = tail;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `text` escaped for XML element content (`&`, `<`, `>`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
    out
}

/// The `GetCallerIdentity` answer for `identity`, as STS sends it.
pub fn caller_identity_xml(identity: &CallerIdentity, request_id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{XML_NAMESPACE}\">\n  <GetCallerIdentityResult>\n    \
         <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  \
         </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  \
         </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        escape(&identity.arn),
        escape(&identity.user_id),
        escape(&identity.account),
        escape(request_id),
    )
}

/// An STS error: its HTTP status, `Type` (`Sender` for the caller's fault, `Receiver` for ours),
/// `Code` and `Message`, as the query protocol carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    /// The HTTP status.
    pub status: u16,
    /// `Code`.
    pub code: &'static str,
    /// `Message`.
    pub message: String,
}

impl StsError {
    /// No `Authorization` at all: 403 `MissingAuthenticationToken` (real STS's answer to an
    /// unsigned `POST /`, as public test fixtures record it).
    pub fn missing_authentication_token() -> StsError {
        StsError {
            status: 403,
            code: "MissingAuthenticationToken",
            message: "Request is missing Authentication Token".to_owned(),
        }
    }

    /// An access key (or session token) the service does not know: 403 `InvalidClientTokenId`.
    pub fn invalid_client_token_id() -> StsError {
        StsError {
            status: 403,
            code: "InvalidClientTokenId",
            message: "The security token included in the request is invalid.".to_owned(),
        }
    }

    /// A wrong signature, a date outside the window, or a credential scoped to another region or
    /// service: 403 `SignatureDoesNotMatch`, with the same message KMS gives.
    pub fn signature_does_not_match(message: &str) -> StsError {
        StsError {
            status: 403,
            code: "SignatureDoesNotMatch",
            message: message.to_owned(),
        }
    }

    /// A malformed `Authorization` header: 400 `IncompleteSignature`.
    pub fn incomplete_signature(message: &str) -> StsError {
        StsError {
            status: 400,
            code: "IncompleteSignature",
            message: message.to_owned(),
        }
    }

    /// An `Action` (or `Version`) STS does not have: 400 `InvalidAction`, "Could not find
    /// operation ACTION for version VERSION" (real STS's wording; a missing `Version` is
    /// [`NO_VERSION`]).
    pub fn invalid_action(action: &str, version: Option<&str>) -> StsError {
        StsError {
            status: 400,
            code: "InvalidAction",
            message: format!(
                "Could not find operation {action} for version {}",
                version.unwrap_or(NO_VERSION)
            ),
        }
    }

    /// A body that could not be read, or was over the endpoint's size limit: 400
    /// `ValidationError` (STS's code for a request it will not read).
    pub fn validation(message: &str) -> StsError {
        StsError {
            status: 400,
            code: "ValidationError",
            message: message.to_owned(),
        }
    }

    /// A failure of ours: 500 `InternalFailure`.
    pub fn internal(message: &str) -> StsError {
        StsError {
            status: 500,
            code: "InternalFailure",
            message: message.to_owned(),
        }
    }

    /// `Sender` for the caller's errors, `Receiver` for ours.
    pub fn fault(&self) -> &'static str {
        if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }

    /// The `ErrorResponse` document.
    pub fn to_xml(&self, request_id: &str) -> String {
        format!(
            "<ErrorResponse xmlns=\"{XML_NAMESPACE}\">\n  <Error>\n    <Type>{}</Type>\n    \
             <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
             <RequestId>{}</RequestId>\n</ErrorResponse>\n",
            self.fault(),
            self.code,
            escape(&self.message),
            escape(request_id),
        )
    }
}
