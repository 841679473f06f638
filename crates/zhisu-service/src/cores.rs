//! Work spread over every core: a list mapped on plain threads, one
//! share a core, the results in the list's order (the sweep's parsing,
//! an import's row keys). Plain threads, as the work is all computation
//! and a caller's runtime thread waits for it as it would for the same
//! work done in place.

/// `items` mapped by `f` on every core, in order; a short list (under a
/// thousand) in place, where threads would cost more than they share.
pub(crate) fn on_every_core<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Sync) -> Vec<U> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 || items.len() < 1000 {
        return items.into_iter().map(f).collect();
    }
    let share = items.len().div_ceil(cores);
    let mut parts: Vec<Vec<T>> = Vec::with_capacity(cores);
    let mut items = items.into_iter();
    loop {
        let part: Vec<T> = items.by_ref().take(share).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let done: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<U>>()))
            .collect();
        done.into_iter()
            .flat_map(|d| d.join().expect("an import check thread panicked"))
            .collect()
    })
}
