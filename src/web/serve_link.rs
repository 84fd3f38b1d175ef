//! The page's side of `serve`'s WebSocket (`crate::cli::serve` natively): the page in
//! serve mode (`?serve=1`, see `crate::ui::shell::serve_page`) draws the views `serve`
//! sends ([`ServeMessage`], one binary frame each, [`ServeMessage::from_frame`]) instead
//! of running a cluster of its own, and sends its [`ClusterCommand`]s and its log panel's
//! requests as JSON text. A message that is not a `ServeMessage` is reported (not
//! drawn); a closed socket is reported once, with its close code.

use crate::sim::picture::command::ClusterCommand;
use crate::sim::picture::live::ServeMessage;
use crate::sim::picture::log_ask::{LogMessage, LogRequest};
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// An open socket to `serve`; dropping it closes it.
pub struct ServeLink {
    ws: WebSocket,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_close: Closure<dyn Fn(CloseEvent)>,
}

impl ServeLink {
    /// Connects to `url`; `on_message` gets each message (or what was wrong with it),
    /// `on_closed` the close code once the socket is gone (or never opened).
    pub fn connect(
        url: &str,
        on_message: impl Fn(Result<ServeMessage, String>) + 'static,
        on_closed: impl Fn(u16) + 'static,
    ) -> Result<ServeLink, String> {
        let ws = WebSocket::new(url).map_err(|e| format!("{e:?}"))?;
        ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            let parsed = match e.data().dyn_into::<js_sys::ArrayBuffer>() {
                Ok(bytes) => ServeMessage::from_frame(&js_sys::Uint8Array::new(&bytes).to_vec()),
                Err(_) => Err("a message that is not a binary frame".to_string()),
            };
            on_message(parsed);
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_close = Closure::<dyn Fn(CloseEvent)>::new(move |e: CloseEvent| on_closed(e.code()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(ServeLink { ws, _on_message: on_message, _on_close: on_close })
    }

    /// Sends a command; `false` when the socket is not open.
    pub fn send(&self, c: &ClusterCommand) -> bool {
        serde_json::to_string(c).is_ok_and(|text| self.send_text(&text))
    }

    /// Sends a log request (`crate::sim::picture::log_ask`); `false` when not open.
    pub fn ask_log(&self, r: LogRequest) -> bool {
        serde_json::to_string(&LogMessage::Log(r)).is_ok_and(|text| self.send_text(&text))
    }

    fn send_text(&self, text: &str) -> bool {
        self.ws.ready_state() == WebSocket::OPEN && self.ws.send_with_str(text).is_ok()
    }
}

impl Drop for ServeLink {
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
