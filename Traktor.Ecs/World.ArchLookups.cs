namespace Traktor.Ecs;

public sealed partial class World
{
    /// <summary>
    /// The entity's <typeparamref name="T"/> by reference, added first with <paramref name="component"/> when it has none
    /// (Arch's <c>AddOrGet</c>).
    /// </summary>
    /// <typeparam name="T">A component type.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">The value to add when the entity has no <typeparamref name="T"/>.</param>
    /// <returns>A reference to the stored component (counts as a write).</returns>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    /// <exception cref="StructuralChangeDuringQueryException">The component must be added while a query iterates: an add
    /// there is applied when the query ends, so there is no stored value to return yet.</exception>
    public ref T AddOrGet<T>(Entity entity, in T component = default!)
    {
        ref T existing = ref TryGetRef<T>(entity, out bool exists);
        if (exists)
        {
            return ref existing;
        }

        ThrowIfIterating(entity, "AddOrGet", typeof(T));
        Add(entity, in component);
        return ref Get<T>(entity);
    }

    /// <summary>Writes the archetypes matching <paramref name="description"/> into <paramref name="archetypes"/> from <paramref name="start"/> on (Arch's <c>GetArchetypes</c>).</summary>
    /// <param name="description">What to match.</param>
    /// <param name="archetypes">Receives the archetypes.</param>
    /// <param name="start">The first index written.</param>
    /// <returns>How many archetypes were written.</returns>
    /// <exception cref="ArgumentException">The span is too short.</exception>
    public int GetArchetypes(in QueryDescription description, Span<Archetype> archetypes, int start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, archetypes.Length);
        var matched = Query(in description).Archetypes;
        if (matched.Length > archetypes.Length - start)
        {
            throw new ArgumentException($"The span has room for {archetypes.Length - start} archetypes; the query matches {matched.Length}.", nameof(archetypes));
        }

        matched.CopyTo(archetypes[start..]);
        return matched.Length;
    }

    /// <summary>Writes the chunks a query over <paramref name="description"/> visits into <paramref name="chunks"/> from <paramref name="start"/> on (Arch's <c>GetChunks</c>).</summary>
    /// <param name="description">What to match.</param>
    /// <param name="chunks">Receives the chunks.</param>
    /// <param name="start">The first index written.</param>
    /// <returns>How many chunks were written.</returns>
    /// <exception cref="ArgumentException">The span is too short.</exception>
    public int GetChunks(in QueryDescription description, Span<Chunk> chunks, int start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, chunks.Length);
        int written = 0;
        foreach (ref var chunk in Query(in description))
        {
            if (start + written == chunks.Length)
            {
                throw new ArgumentException($"The span has room for {chunks.Length - start} chunks; the query visits more.", nameof(chunks));
            }

            chunks[start + written++] = chunk;
        }

        return written;
    }
}
