package no.altinn.systemuser;

import java.util.List;
import java.util.Optional;

/**
 * One page of a list: its items and the opaque token of the next page ({@code null} on the last).
 * Pass {@link #nextPage()} back to get the next one; the component rebuilds its URL on the
 * configured base (never Altinn's {@code links.next} host).
 */
public record Page<T>(List<T> items, String nextPage) {
    public Page {
        items = List.copyOf(items);
    }

    public boolean hasNext() {
        return nextPage != null;
    }

    public Optional<String> next() {
        return Optional.ofNullable(nextPage);
    }
}
