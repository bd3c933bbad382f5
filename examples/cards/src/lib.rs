//! `cards`: a card table whose live view is private per viewer.
//!
//! Players are principals: `join` seats the caller (`context::caller()`),
//! and every viewer sees the public table but only its own hand.
//!
//! | method  | payload                  | reply                                    |
//! |---------|--------------------------|------------------------------------------|
//! | `join`  | ignored                  | `{"player": p, "players": n}`            |
//! | `deal`  | empty or `{"cards": n}`  | `{"round": r, "cards": n, "deck": left}` |
//! | `play`  | `{"card": "QH"}`         | `{"played": c, "hand": [...]}`           |
//! | `table` | ignored                  | the caller's view (as below)             |
//! | `reset` | ignored                  | `{"reset": true}`                        |
//!
//! View for `viewer`: `{"round": r, "players": [{"player": p, "hand_size": n}],
//! "deck": left, "played": [{"player": p, "card": c}]}`, plus `"hand": [...]`
//! when `viewer` is a seated player: its own hand, never anyone else's.
//!
//! The whole table is stored as JSON under the state key `table`.

use microlith_actor::{Actor, Error, Request, context, reply, state, view};
use serde::{Deserialize, Serialize};

const KEY: &str = "table";
/// Most players at one table.
const MAX_PLAYERS: usize = 8;
/// Cards each player gets when `deal` names no number.
const DEFAULT_CARDS: usize = 5;
/// Longest principal accepted as a player name, in bytes.
const MAX_NAME: usize = 200;
const RANKS: [&str; 13] = ["2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K", "A"];
const SUITS: [&str; 4] = ["C", "D", "H", "S"];
const DECK_SIZE: usize = RANKS.len() * SUITS.len();

#[derive(Serialize, Deserialize, Default)]
struct Table {
    /// Deals so far.
    round: u64,
    /// In join order.
    players: Vec<Player>,
    /// Undealt cards.
    deck: Vec<String>,
    /// Cards played since the last deal, in play order.
    played: Vec<Played>,
}

#[derive(Serialize, Deserialize)]
struct Player {
    name: String,
    hand: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Played {
    player: String,
    card: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Deal {
    #[serde(default = "default_cards")]
    cards: usize,
}

fn default_cards() -> usize {
    DEFAULT_CARDS
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Play {
    card: String,
}

#[derive(Serialize)]
struct Joined<'a> {
    player: &'a str,
    players: usize,
}

#[derive(Serialize)]
struct Dealt {
    round: u64,
    cards: usize,
    deck: usize,
}

#[derive(Serialize)]
struct PlayedReply<'a> {
    played: &'a str,
    hand: &'a [String],
}

#[derive(Serialize)]
struct Reset {
    reset: bool,
}

/// What a viewer sees. `hand` is the viewer's own hand, present only when
/// the viewer is seated.
#[derive(Serialize)]
struct View<'a> {
    round: u64,
    players: Vec<Seat<'a>>,
    deck: usize,
    played: &'a [Played],
    #[serde(skip_serializing_if = "Option::is_none")]
    hand: Option<&'a [String]>,
}

#[derive(Serialize)]
struct Seat<'a> {
    player: &'a str,
    hand_size: usize,
}

struct Cards;

impl Actor for Cards {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "join" => {
                let me = principal("join")?;
                let mut table = load()?;
                if !table.players.iter().any(|p| p.name == me) {
                    if table.players.len() >= MAX_PLAYERS {
                        return Err(Error::failed(format!("the table is full ({MAX_PLAYERS} players)")));
                    }
                    table.players.push(Player { name: me.clone(), hand: Vec::new() });
                    save(&table)?;
                }
                reply::json(&Joined { player: &me, players: table.players.len() })
            }
            "deal" => {
                let cards = req.json::<Option<Deal>>()?.map_or(DEFAULT_CARDS, |d| d.cards);
                let mut table = load()?;
                let seed = context::turn_time_ms()
                    ^ table.round.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ fnv1a(&context::self_ref().key);
                deal(&mut table, cards, seed)?;
                save(&table)?;
                reply::json(&Dealt { round: table.round, cards, deck: table.deck.len() })
            }
            "play" => {
                let Play { card } = req.json()?;
                let card = card.trim().to_ascii_uppercase();
                let me = principal("play")?;
                let mut table = load()?;
                let player = table
                    .players
                    .iter_mut()
                    .find(|p| p.name == me)
                    .ok_or_else(|| Error::failed(format!("{me} has not joined the table")))?;
                let at = player
                    .hand
                    .iter()
                    .position(|c| *c == card)
                    .ok_or_else(|| Error::failed(format!("{card} is not in your hand")))?;
                player.hand.remove(at);
                let hand = player.hand.clone();
                table.played.push(Played { player: me, card: card.clone() });
                save(&table)?;
                reply::json(&PlayedReply { played: &card, hand: &hand })
            }
            "table" => {
                let table = load()?;
                reply::json(&shown(&table, context::caller().as_deref()))
            }
            "reset" => {
                state::delete(KEY);
                reply::json(&Reset { reset: true })
            }
            _ => Err(req.unknown_method()),
        }
    }

    fn view(viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        view::json(&shown(&load()?, viewer))
    }
}

/// The table as `viewer` may see it: hand sizes for everyone, cards only
/// for the viewer's own hand.
fn shown<'a>(table: &'a Table, viewer: Option<&str>) -> View<'a> {
    View {
        round: table.round,
        players: table.players.iter().map(|p| Seat { player: &p.name, hand_size: p.hand.len() }).collect(),
        deck: table.deck.len(),
        played: &table.played,
        hand: viewer.and_then(|v| table.players.iter().find(|p| p.name == v)).map(|p| p.hand.as_slice()),
    }
}

/// The caller, who must be known to act as a player.
fn principal(method: &str) -> Result<String, Error> {
    let me = context::caller().filter(|c| !c.is_empty()).ok_or_else(|| {
        Error::bad_request(format!("`{method}` needs a caller principal; anonymous callers cannot play"))
    })?;
    if me.len() > MAX_NAME {
        return Err(Error::bad_request(format!("player names are at most {MAX_NAME} bytes")));
    }
    Ok(me)
}

/// Shuffles a fresh deck with `seed` and deals `cards` to every player;
/// clears the played cards. `deal` seeds it from the turn time, the round
/// and the actor's key, so a deal is a pure function of state and turn.
fn deal(table: &mut Table, cards: usize, seed: u64) -> Result<(), Error> {
    if table.players.is_empty() {
        return Err(Error::failed("nobody has joined the table"));
    }
    let needed = cards.checked_mul(table.players.len()).filter(|&n| n <= DECK_SIZE);
    if cards == 0 || needed.is_none() {
        return Err(Error::bad_request(format!(
            "cannot deal {cards} cards to each of {} players from {DECK_SIZE}",
            table.players.len()
        )));
    }
    let round = table.round.checked_add(1).ok_or_else(|| Error::failed("rounds exhausted"))?;
    let mut rng = SplitMix(seed);
    let mut deck: Vec<usize> = (0..DECK_SIZE).collect();
    for i in (1..deck.len()).rev() {
        // `i + 1` is at most 52, so the modulo bias is negligible for a demo.
        let j = (rng.next() % (i as u64 + 1)) as usize;
        deck.swap(i, j);
    }
    let players = table.players.len();
    for (n, player) in table.players.iter_mut().enumerate() {
        let mut hand: Vec<usize> = deck.iter().skip(n).step_by(players).take(cards).copied().collect();
        hand.sort_unstable();
        player.hand = hand.into_iter().map(card_name).collect();
    }
    table.deck = deck[cards * players..].iter().copied().map(card_name).collect();
    table.played.clear();
    table.round = round;
    Ok(())
}

/// Card `i` of a deck in suit-major order, e.g. `"10H"`.
fn card_name(i: usize) -> String {
    format!("{}{}", RANKS[i % RANKS.len()], SUITS[i / RANKS.len()])
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// SplitMix64: a small, well-mixed deterministic generator.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn load() -> Result<Table, Error> {
    Ok(state::get_json(KEY)?.unwrap_or_default())
}

fn save(table: &Table) -> Result<(), Error> {
    state::set_json(KEY, table)
}

microlith_actor::export_actor!(Cards);

#[cfg(test)]
mod tests {
    use super::*;

    fn table(players: &[&str]) -> Table {
        Table {
            players: players.iter().map(|p| Player { name: (*p).to_owned(), hand: Vec::new() }).collect(),
            ..Table::default()
        }
    }

    #[test]
    fn deck_has_52_distinct_cards() {
        let mut names: Vec<String> = (0..DECK_SIZE).map(card_name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 52);
        assert_eq!(card_name(0), "2C");
        assert_eq!(card_name(51), "AS");
    }

    #[test]
    fn deal_is_deterministic_and_disjoint() {
        let mut a = table(&["alice", "bob", "carol"]);
        let mut b = table(&["alice", "bob", "carol"]);
        deal(&mut a, 5, 42).unwrap();
        deal(&mut b, 5, 42).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
        assert_eq!(a.round, 1);
        assert_eq!(a.deck.len(), 52 - 15);
        let mut all: Vec<&String> = a.players.iter().flat_map(|p| &p.hand).chain(&a.deck).collect();
        assert!(a.players.iter().all(|p| p.hand.len() == 5));
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 52);
        let mut c = table(&["alice", "bob", "carol"]);
        deal(&mut c, 5, 43).unwrap();
        assert_ne!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&c).unwrap());
    }

    #[test]
    fn deal_refuses_impossible_deals() {
        assert!(matches!(deal(&mut table(&[]), 5, 1), Err(Error::Failed(_))));
        assert!(matches!(deal(&mut table(&["a"]), 0, 1), Err(Error::BadRequest(_))));
        assert!(matches!(deal(&mut table(&["a", "b"]), 27, 1), Err(Error::BadRequest(_))));
        assert!(matches!(deal(&mut table(&["a"]), usize::MAX, 1), Err(Error::BadRequest(_))));
        assert!(deal(&mut table(&["a", "b"]), 26, 1).is_ok());
    }

    #[test]
    fn each_viewer_sees_only_its_own_hand() {
        let mut t = table(&["alice", "bob"]);
        deal(&mut t, 4, 7).unwrap();
        let json = |viewer| serde_json::to_value(shown(&t, viewer)).unwrap();
        let anon = json(None);
        assert!(anon.get("hand").is_none());
        assert_eq!(
            anon["players"],
            serde_json::json!([{"player": "alice", "hand_size": 4}, {"player": "bob", "hand_size": 4}])
        );
        assert!(json(Some("mallory")).get("hand").is_none());
        let alice = json(Some("alice"));
        assert_eq!(alice["hand"], serde_json::json!(t.players[0].hand));
        let text = serde_json::to_string(&alice).unwrap();
        for card in &t.players[1].hand {
            assert!(!text.contains(&format!("\"{card}\"")), "bob's {card} leaked to alice: {text}");
        }
    }
}
