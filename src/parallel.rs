//! Splitting independent work over the cores: the one helper the readers, the report table and the renderers use.

/// Splits `items` into one contiguous chunk per core (fewer when chunks would hold under `min_per_chunk` items),
/// runs `f` on each chunk on its own thread, and returns the results in chunk order. A panic in `f` is resumed on
/// the caller's thread.
pub fn map_chunks<T: Sync, R: Send>(items: &[T], min_per_chunk: usize, f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunks = threads.min(items.len() / min_per_chunk.max(1)).max(1);
    if chunks == 1 {
        return vec![f(items)];
    }
    let per_chunk = items.len().div_ceil(chunks);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_chunk)
            .map(|chunk| scope.spawn(move || f(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        let sums = map_chunks(&items, 10, |chunk| chunk.to_vec());
        assert_eq!(sums.concat(), items);
        assert_eq!(map_chunks(&items[..5], 10, <[u32]>::len), vec![5]);
        assert_eq!(map_chunks(&[] as &[u32], 10, <[u32]>::len), vec![0]);
    }
}
