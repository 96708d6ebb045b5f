namespace Traktor.Ecs;

/// <summary>The static per-type cache of a component's <see cref="ComponentType"/>, as in Arch.</summary>
/// <typeparam name="T">The component type.</typeparam>
public static class Component<T>
{
    /// <summary>The component type of <typeparamref name="T"/>, registered on first use.</summary>
    public static readonly ComponentType ComponentType = ComponentRegistry.Register<T>();

    /// <summary>Shortcut for <c>ComponentType.Id</c>.</summary>
    public static readonly int Id = ComponentType.Id;

    /// <summary>The signature of <typeparamref name="T"/> alone, as Arch 2.x's <c>Component&lt;T&gt;.Signature</c> (<see cref="Component{T0, T1}"/> and up give several).</summary>
    public static readonly Signature Signature = new(ComponentType);
}

/// <summary>Arch's non-generic component-type lookup (<c>Arch.Core.Utils.Component</c>).</summary>
public static class Component
{
    /// <summary>The component type of <paramref name="type"/>, registered on first use; the same as <see cref="Component{T}.ComponentType"/>.</summary>
    /// <param name="type">A component type.</param>
    /// <returns>Its <see cref="ComponentType"/>.</returns>
    /// <exception cref="ArgumentException">The type cannot be a component (open generic, by-ref, pointer, ref struct or void).</exception>
    public static ComponentType GetComponentType(Type type) => ComponentRegistry.GetOrRegister(type);

    /// <summary>
    /// The hash of a set of component types, whatever their order (Arch's <c>Component.GetHashCode</c>): equal to
    /// <c>new Signature(types).GetHashCode()</c> and to the hash of a <see cref="BitSet"/> with their ids, so
    /// <c>Group&lt;…&gt;.Hash</c> and <c>Component&lt;…&gt;.Hash</c> agree with it. A type named twice counts once.
    /// </summary>
    /// <param name="types">The component types (an array converts).</param>
    /// <returns>The hash; equal sets give equal hashes within one process.</returns>
    public static int GetHashCode(ReadOnlySpan<ComponentType> types)
    {
        int highest = -1;
        foreach (var type in types)
        {
            highest = Math.Max(highest, type.Id);
        }

        // The bits of the set as a BitSet lays them out (64 per word, no trailing zero words), built on the stack
        // when small: hashing a group allocates nothing.
        int length = highest < 0 ? 0 : highest / 64 + 1;
        Span<ulong> words = length <= 32 ? stackalloc ulong[length] : new ulong[length];
        words.Clear();
        foreach (var type in types)
        {
            words[type.Id >> 6] |= 1UL << (type.Id & 63);
        }

        return BitSet.HashOf(words);
    }
}
