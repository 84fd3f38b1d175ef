//! The band tabs of narrow screens and embeds (below 900 px, e.g. an 800 × 580 iframe):
//! which of the four bands is shown, and the tab bar that switches between them. Every
//! band stays mounted (CSS hides the others), so nothing typed is lost when switching;
//! wide screens hide the tab bar and show all bands in their grid.

use crate::ui::i18n::{Lang, T};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// One of the page's four bands, in the tab bar's order (Cluster first, the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Band {
    #[default]
    Cluster,
    Producer,
    Reader,
    Events,
}

impl Band {
    pub const ALL: [Band; 4] = [Band::Cluster, Band::Producer, Band::Reader, Band::Events];

    /// The id stem of the band's tab (`tab-…`) and panel (`panel-…`), also its test id.
    pub fn id(self) -> &'static str {
        match self {
            Band::Cluster => "cluster",
            Band::Producer => "producer",
            Band::Reader => "reader",
            Band::Events => "events",
        }
    }

    pub fn label(self) -> T {
        match self {
            Band::Cluster => T::Cluster,
            Band::Producer => T::Producers,
            Band::Reader => T::ConsumerGroups,
            Band::Events => T::Timeline,
        }
    }

    /// The band `step` places away among `bands`, wrapping around.
    fn next(self, bands: &[Band], step: isize) -> Band {
        let n = bands.len() as isize;
        if n == 0 {
            return self;
        }
        let i = bands.iter().position(|b| *b == self).unwrap_or(0) as isize;
        bands[(i + step).rem_euclid(n) as usize]
    }

    /// The id of the band's `<section>`, which its tab controls.
    pub fn panel_id(self) -> String {
        format!("panel-{}", self.id())
    }

    /// The id of the band's tab.
    pub fn tab_id(self) -> String {
        format!("tab-{}", self.id())
    }
}

fn focus_tab(band: Band) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&band.tab_id()))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(e) = element {
        let _ = e.focus();
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub active: Band,
    pub onselect: Callback<Band>,
    /// The bands this page has (the cluster picture has no reader band).
    #[prop_or_else(|| Band::ALL.to_vec())]
    pub bands: Vec<Band>,
}

/// The tab bar: a WAI-ARIA tablist (arrow keys, Home and End move between tabs; only the
/// active tab is in the Tab order).
#[function_component(BandTabs)]
pub fn band_tabs(props: &Props) -> Html {
    let onkeydown = {
        let (active, onselect, bands) = (props.active, props.onselect.clone(), props.bands.clone());
        Callback::from(move |e: KeyboardEvent| {
            let target = match e.key().as_str() {
                "ArrowRight" | "ArrowDown" => active.next(&bands, 1),
                "ArrowLeft" | "ArrowUp" => active.next(&bands, -1),
                "Home" => bands.first().copied().unwrap_or(active),
                "End" => bands.last().copied().unwrap_or(active),
                _ => return,
            };
            e.prevent_default();
            onselect.emit(target);
            focus_tab(target);
        })
    };
    html! {
        <nav class="tabs" role="tablist" aria-label={T::Bands.get(props.lang)} onkeydown={onkeydown} data-testid="band-tabs">
            { for props.bands.iter().map(|&band| {
                let selected = band == props.active;
                let onclick = props.onselect.reform(move |_| band);
                html! {
                    <button type="button" role="tab" id={band.tab_id()} aria-controls={band.panel_id()}
                        aria-selected={selected.to_string()} tabindex={if selected { "0" } else { "-1" }}
                        onclick={onclick} data-testid={format!("tab-{}", band.id())}>
                        {band.label().get(props.lang)}
                    </button>
                }
            }) }
        </nav>
    }
}
