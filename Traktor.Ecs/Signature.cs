namespace Traktor.Ecs;

/// <summary>
/// A set of component types, as in Arch 2.x: what an archetype holds, or one clause of a
/// <see cref="QueryDescription"/>. Converts implicitly from <c>ComponentType[]</c> (and so from
/// <c>[typeof(A), typeof(B)]</c>), and a collection expression builds one directly:
/// <c>new QueryDescription(all: [typeof(A)])</c>. Equality compares the sets themselves (the bits, not a hash).
/// </summary>
[System.Runtime.CompilerServices.CollectionBuilder(typeof(Signature), nameof(Create))]
public readonly struct Signature : IEquatable<Signature>
{
    private readonly ComponentType[]? components;
    private readonly BitSet? mask;

    /// <summary>Creates a signature from component types; order does not matter.</summary>
    /// <param name="components">The component types (a type named twice counts once in <see cref="Mask"/>).</param>
    public Signature(params ReadOnlySpan<ComponentType> components)
    {
        this.components = components.ToArray();
        Span<int> ids = components.Length <= 64 ? stackalloc int[components.Length] : new int[components.Length];
        for (int i = 0; i < components.Length; i++)
        {
            ids[i] = components[i].Id;
        }

        mask = BitSet.From(ids);
    }

    internal Signature(BitSet mask)
    {
        this.mask = mask;
        components = mask.Bits().Select(ComponentRegistry.Get).ToArray();
    }

    /// <summary>Builds a signature from a collection expression.</summary>
    /// <param name="components">The component types.</param>
    public static Signature Create(ReadOnlySpan<ComponentType> components) => new(components);

    /// <summary>Enumerates the component types, as given.</summary>
    public ReadOnlySpan<ComponentType>.Enumerator GetEnumerator() => Components.GetEnumerator();

    /// <summary>The empty signature.</summary>
    public static Signature Null => default;

    /// <summary>The component types, as given.</summary>
    public ReadOnlySpan<ComponentType> Components => components;

    /// <summary>The number of component types, as given (a type named twice counts twice).</summary>
    public int Count => components?.Length ?? 0;

    /// <summary>True when the signature names no component type.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>The component ids as a bit set.</summary>
    public BitSet Mask => mask ?? BitSet.Empty;

    /// <summary>True when no component type is named twice.</summary>
    internal bool IsDistinct => Mask.PopCount == Count;

    /// <summary>A signature over the given types.</summary>
    /// <param name="components">Component types.</param>
    public static implicit operator Signature(ComponentType[] components) => new(components);

    /// <summary>A signature over the given types.</summary>
    /// <param name="components">Component types.</param>
    public static implicit operator Signature(List<ComponentType> components) => new(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(components));

    /// <inheritdoc />
    public bool Equals(Signature other) => Mask.Equals(other.Mask);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Signature other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Mask.GetHashCode();

    /// <summary>Compares two signatures as sets.</summary>
    public static bool operator ==(Signature left, Signature right) => left.Equals(right);

    /// <summary>Compares two signatures as sets.</summary>
    public static bool operator !=(Signature left, Signature right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", (components ?? []).Select(t => t.Type.Name)) + "]";

    internal Signature Union(ReadOnlySpan<ComponentType> more)
    {
        if (more.IsEmpty)
        {
            return this;
        }

        var result = new ComponentType[Count + more.Length];
        Components.CopyTo(result);
        more.CopyTo(result.AsSpan(Count));
        return new Signature(result);
    }
}
