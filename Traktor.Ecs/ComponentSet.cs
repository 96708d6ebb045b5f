namespace Traktor.Ecs;

/// <summary>
/// An immutable set of component types, built once and reused to create entities whose types are
/// known only at run time (a network client spawning what a snapshot describes) without allocating
/// per entity: <c>world.Create(set)</c>.
/// </summary>
public sealed class ComponentSet
{
    /// <summary>Builds a set.</summary>
    /// <param name="types">Distinct component types.</param>
    /// <exception cref="EcsException">A component type is named twice.</exception>
    public ComponentSet(params ReadOnlySpan<ComponentType> types)
    {
        Span<int> ids = types.Length <= 64 ? stackalloc int[types.Length] : new int[types.Length];
        for (int i = 0; i < types.Length; i++)
        {
            ids[i] = types[i].Id;
        }

        Mask = BitSet.From(ids);
        if (Mask.PopCount != types.Length)
        {
            throw new EcsException("A ComponentSet names a component type twice; an entity holds at most one of each type.");
        }

        Types = types.ToArray();
    }

    /// <summary>The component types.</summary>
    public IReadOnlyList<ComponentType> Types { get; }

    /// <summary>The component ids as a bit set (the key of the matching archetype).</summary>
    public BitSet Mask { get; }
}
