//! The hooks progenitor calls around every request (`HooksMode::Expected`:
//! without this impl the generated code does not compile).

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, USER_AGENT};

use crate::{Client, ClientState};

/// progenitor adds `api-version: <info.version>` to every request; it is the
/// version of our description, not something Metronome reads, so it goes.
const API_VERSION_HEADER: &str = "api-version";

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let state = self.inner();
        let headers = request.headers_mut();
        headers.remove(API_VERSION_HEADER);
        for (name, value) in state.default_headers.iter() {
            if !headers.contains_key(name) {
                headers.insert(name, value.clone());
            }
        }
        if let Some(value) = &state.authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        if let Some(value) = &state.user_agent
            && !state.default_headers.contains_key(USER_AGENT)
        {
            headers.insert(USER_AGENT, value.clone());
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner()
            .transport
            .execute(self.client(), request, info)
            .await
    }
}
