//! Which rows of a table are selected, as file managers and oVirt's grids
//! do it: a click selects one row, Ctrl-click (or a row's checkbox, or
//! Space on it) adds or drops one, Shift-click (or Shift+arrow) selects the
//! range from the last row clicked; arrows move a single selection.

use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Selected ids, in the order they were chosen.
    pub ids: Vec<Uuid>,
    /// Where a Shift range starts: the last row clicked or toggled.
    pub anchor: Option<Uuid>,
}

impl Selection {
    pub fn contains(&self, id: Uuid) -> bool {
        self.ids.contains(&id)
    }

    pub fn only(&mut self, id: Uuid) {
        self.ids = vec![id];
        self.anchor = Some(id);
    }

    pub fn toggle(&mut self, id: Uuid) {
        match self.ids.iter().position(|s| *s == id) {
            Some(at) => {
                self.ids.remove(at);
            }
            None => self.ids.push(id),
        }
        self.anchor = Some(id);
    }

    /// Everything from the anchor to `id`, in the table's `order`; the
    /// anchor stays where it was.
    pub fn extend_to(&mut self, id: Uuid, order: &[Uuid]) {
        let anchor = self.anchor.filter(|a| order.contains(a)).unwrap_or(id);
        let (Some(a), Some(b)) = (order.iter().position(|x| *x == anchor), order.iter().position(|x| *x == id)) else { return };
        let (from, to) = if a <= b { (a, b) } else { (b, a) };
        self.ids = order[from..=to].to_vec();
        self.anchor = Some(anchor);
    }

    pub fn all(&mut self, order: &[Uuid]) {
        self.ids = order.to_vec();
    }

    pub fn clear(&mut self) {
        self.ids.clear();
        self.anchor = None;
    }

    /// Drops ids no longer in the table (removed elsewhere).
    pub fn keep_only(&mut self, order: &[Uuid]) {
        self.ids.retain(|id| order.contains(id));
        if self.anchor.is_some_and(|a| !order.contains(&a)) {
            self.anchor = None;
        }
    }

    /// The selected ids in the table's order (what a bulk action acts on).
    pub fn in_order(&self, order: &[Uuid]) -> Vec<Uuid> {
        order.iter().copied().filter(|id| self.contains(*id)).collect()
    }
}

/// The row after (`down`) or before `id` in `order`, if any.
pub fn neighbour(order: &[Uuid], id: Uuid, down: bool) -> Option<Uuid> {
    let at = order.iter().position(|x| *x == id)?;
    if down {
        order.get(at + 1).copied()
    } else {
        at.checked_sub(1).and_then(|i| order.get(i).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Uuid> {
        (1..=5).map(|n| Uuid::from_u128(n)).collect()
    }

    #[test]
    fn click_ctrl_click_and_shift_click() {
        let order = rows();
        let mut s = Selection::default();
        s.only(order[1]);
        assert_eq!(s.ids, [order[1]]);
        s.toggle(order[3]);
        assert_eq!(s.in_order(&order), [order[1], order[3]]);
        s.toggle(order[1]);
        assert_eq!(s.ids, [order[3]], "a second Ctrl-click drops it");
        // Shift-click from the last toggled row (order[1]) up to order[0],
        // then down to order[4]: the range follows, the anchor stays.
        s.extend_to(order[0], &order);
        assert_eq!(s.in_order(&order), order[0..=1]);
        s.extend_to(order[4], &order);
        assert_eq!(s.in_order(&order), order[1..=4]);
        s.keep_only(&order[2..]);
        assert_eq!(s.in_order(&order), order[2..=4]);
        assert_eq!(s.anchor, None, "its anchor row is gone");
        s.all(&order);
        assert_eq!(s.ids.len(), 5);
        s.clear();
        assert!(s.ids.is_empty());
    }

    #[test]
    fn arrows_stop_at_the_ends() {
        let order = rows();
        assert_eq!(neighbour(&order, order[0], true), Some(order[1]));
        assert_eq!(neighbour(&order, order[0], false), None);
        assert_eq!(neighbour(&order, order[4], true), None);
        assert_eq!(neighbour(&order, Uuid::nil(), true), None);
    }
}
