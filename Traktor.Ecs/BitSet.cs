using System.Numerics;

namespace Traktor.Ecs;

/// <summary>
/// A set of component ids. Archetypes and queries are keyed by the bits themselves: equality compares
/// every word, the hash only picks the bucket. The sets the world hands out (<see cref="Archetype.BitSet"/>,
/// masks, <see cref="From"/>, <see cref="With"/>) are immutable, because keys must not change; a set made
/// with <c>new BitSet()</c> is mutable, as Arch's (<see cref="SetBit"/>, <see cref="ClearBit"/>,
/// <see cref="SetBits"/>, <see cref="ClearAll"/>), for user code that builds masks.
/// </summary>
public sealed class BitSet : IEquatable<BitSet>
{
    /// <summary>The set with no bits.</summary>
    public static readonly BitSet Empty = new([]);

    private readonly bool mutable;
    private ulong[] words;
    private int hash;

    /// <summary>Creates an empty, mutable set (Arch's <c>new BitSet()</c>).</summary>
    public BitSet()
    {
        words = [];
        hash = HashOf(words);
        mutable = true;
    }

    private BitSet(ulong[] words)
    {
        this.words = Trim(words);
        hash = HashOf(this.words);
    }

    /// <summary>True when this set may be changed (made with <c>new BitSet()</c>).</summary>
    public bool IsMutable => mutable;

    /// <summary>Sets <paramref name="bit"/> (a mutable set only).</summary>
    /// <param name="bit">A non-negative bit index, e.g. a <see cref="ComponentType.Id"/>.</param>
    /// <exception cref="InvalidOperationException">The set is one the world keys by (immutable).</exception>
    public void SetBit(int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ThrowIfImmutable();
        var grown = new ulong[Math.Max(words.Length, (bit >> 6) + 1)];
        words.CopyTo(grown, 0);
        grown[bit >> 6] |= 1UL << (bit & 63);
        Replace(grown);
    }

    /// <summary>Sets the bit of every component type (a mutable set only).</summary>
    /// <param name="types">Component types.</param>
    /// <exception cref="InvalidOperationException">The set is one the world keys by (immutable).</exception>
    public void SetBits(params ReadOnlySpan<ComponentType> types)
    {
        foreach (var type in types)
        {
            SetBit(type.Id);
        }
    }

    /// <summary>Clears <paramref name="bit"/> (a mutable set only).</summary>
    /// <param name="bit">A non-negative bit index.</param>
    /// <exception cref="InvalidOperationException">The set is one the world keys by (immutable).</exception>
    public void ClearBit(int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ThrowIfImmutable();
        if (IsSet(bit))
        {
            var copy = (ulong[])words.Clone();
            copy[bit >> 6] &= ~(1UL << (bit & 63));
            Replace(copy);
        }
    }

    /// <summary>Clears every bit (a mutable set only).</summary>
    /// <exception cref="InvalidOperationException">The set is one the world keys by (immutable).</exception>
    public void ClearAll()
    {
        ThrowIfImmutable();
        Replace([]);
    }

    /// <summary>Arch's <c>All</c>: true when every bit of this set is also in <paramref name="other"/>.</summary>
    /// <param name="other">The containing set, e.g. an archetype's.</param>
    public bool All(BitSet other) => other.ContainsAll(this);

    /// <summary>Arch's <c>Any</c>: true when this set and <paramref name="other"/> share a bit.</summary>
    /// <param name="other">The other set.</param>
    public bool Any(BitSet other) => Overlaps(other);

    /// <summary>Arch's <c>None</c>: true when this set and <paramref name="other"/> share no bit.</summary>
    /// <param name="other">The other set.</param>
    public bool None(BitSet other) => !Overlaps(other);

    /// <summary>Arch's <c>Exclusive</c>: true when both sets hold exactly the same bits.</summary>
    /// <param name="other">The other set.</param>
    public bool Exclusive(BitSet other) => Equals(other);

    /// <summary>True when no bit is set.</summary>
    public bool IsEmpty => words.Length == 0;

    /// <summary>The number of bits set.</summary>
    public int PopCount
    {
        get
        {
            int total = 0;
            foreach (var word in words)
            {
                total += BitOperations.PopCount(word);
            }

            return total;
        }
    }

    /// <summary>Builds a set from bit indices.</summary>
    /// <param name="bits">Non-negative bit indices; duplicates are allowed.</param>
    public static BitSet From(ReadOnlySpan<int> bits)
    {
        int max = -1;
        foreach (var bit in bits)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(bit);
            max = Math.Max(max, bit);
        }

        var words = new ulong[(max >> 6) + 1];
        foreach (var bit in bits)
        {
            words[bit >> 6] |= 1UL << (bit & 63);
        }

        return new BitSet(words);
    }

    /// <summary>True when <paramref name="bit"/> is in the set.</summary>
    /// <param name="bit">A bit index.</param>
    public bool IsSet(int bit)
    {
        int word = bit >> 6;
        return (uint)word < (uint)words.Length && (words[word] & (1UL << (bit & 63))) != 0;
    }

    /// <summary>Returns a copy with <paramref name="bit"/> set.</summary>
    /// <param name="bit">A non-negative bit index.</param>
    public BitSet With(int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        var copy = new ulong[Math.Max(words.Length, (bit >> 6) + 1)];
        words.CopyTo(copy, 0);
        copy[bit >> 6] |= 1UL << (bit & 63);
        return new BitSet(copy);
    }

    /// <summary>Returns a copy with <paramref name="bit"/> cleared.</summary>
    /// <param name="bit">A non-negative bit index.</param>
    public BitSet Without(int bit)
    {
        if (!IsSet(bit))
        {
            return this;
        }

        var copy = (ulong[])words.Clone();
        copy[bit >> 6] &= ~(1UL << (bit & 63));
        return new BitSet(copy);
    }

    /// <summary>True when every bit of <paramref name="other"/> is also in this set.</summary>
    /// <param name="other">The required bits.</param>
    public bool ContainsAll(BitSet other)
    {
        if (other.words.Length > words.Length)
        {
            return false;
        }

        for (int i = 0; i < other.words.Length; i++)
        {
            if ((words[i] & other.words[i]) != other.words[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the two sets share at least one bit.</summary>
    /// <param name="other">The other set.</param>
    public bool Overlaps(BitSet other)
    {
        int length = Math.Min(words.Length, other.words.Length);
        for (int i = 0; i < length; i++)
        {
            if ((words[i] & other.words[i]) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Enumerates the set bits in ascending order.</summary>
    public IEnumerable<int> Bits()
    {
        for (int w = 0; w < words.Length; w++)
        {
            ulong word = words[w];
            while (word != 0)
            {
                int bit = BitOperations.TrailingZeroCount(word);
                yield return (w << 6) + bit;
                word &= word - 1;
            }
        }
    }

    /// <inheritdoc />
    public bool Equals(BitSet? other) =>
        other is not null && hash == other.hash && words.AsSpan().SequenceEqual(other.words);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as BitSet);

    /// <inheritdoc />
    public override int GetHashCode() => hash;

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(",", Bits()) + "}";

    // Internal for Component.GetHashCode, which hashes a set of component types without building a BitSet.
    internal static int HashOf(ReadOnlySpan<ulong> words)
    {
        var hashCode = new HashCode();
        foreach (var word in words)
        {
            hashCode.Add(word);
        }

        return hashCode.ToHashCode();
    }

    private void Replace(ulong[] newWords)
    {
        words = Trim(newWords);
        hash = HashOf(words);
    }

    private void ThrowIfImmutable()
    {
        if (!mutable)
        {
            throw new InvalidOperationException("This BitSet keys an archetype or a query and cannot change; build your own with new BitSet().");
        }
    }

    // Trailing zero words would make equal sets compare unequal.
    private static ulong[] Trim(ulong[] words)
    {
        int length = words.Length;
        while (length > 0 && words[length - 1] == 0)
        {
            length--;
        }

        return length == words.Length ? words : words.AsSpan(0, length).ToArray();
    }
}
