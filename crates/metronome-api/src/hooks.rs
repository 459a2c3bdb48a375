//! The hooks progenitor calls around every request (`HooksMode::Expected`:
//! without this impl the generated code does not compile).

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

use crate::{Client, ClientState};

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        self.inner().apply_headers(request.headers_mut());
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
