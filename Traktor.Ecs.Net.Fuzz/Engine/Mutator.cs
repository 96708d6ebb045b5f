using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// AFL-style havoc: a stack of 1–16 random edits (bit flips, interesting values, arithmetic, block insert, delete,
/// copy, overwrite, and splicing with another corpus entry). Deterministic for a given seed.
/// </summary>
internal sealed class Mutator(int seed, int maxLength)
{
    private static readonly sbyte[] Interesting8 = [-128, -1, 0, 1, 16, 32, 64, 100, 127];
    private static readonly short[] Interesting16 = [-32768, -129, 128, 255, 256, 512, 1000, 1024, 4096, 32767];
    private static readonly int[] Interesting32 = [int.MinValue, -100663046, -32769, 32768, 65535, 65536, 100663045, int.MaxValue];

    private readonly Random _random = new(seed);
    private byte[] _buffer = new byte[Math.Max(maxLength, 16) * 2];

    public int MaxLength { get; } = maxLength;

    public Random Random => _random;

    /// <summary>Returns a mutated copy of <paramref name="parent"/> (valid until the next call).</summary>
    public ReadOnlySpan<byte> Mutate(ReadOnlySpan<byte> parent, IReadOnlyList<byte[]> corpus)
    {
        int length = Math.Min(parent.Length, MaxLength);
        parent[..length].CopyTo(_buffer);
        int edits = 1 << _random.Next(1, 5);
        for (int e = 0; e < edits; e++)
        {
            length = Math.Min(Edit(length, corpus), MaxLength);
        }
        return _buffer.AsSpan(0, length);
    }

    private int Edit(int length, IReadOnlyList<byte[]> corpus)
    {
        var b = _buffer;
        int op = _random.Next(length == 0 ? 1 : 16);
        switch (op)
        {
            case 0: // insert random bytes (the only edit possible on an empty input)
                return Insert(length, _random.Next(1, 1 + Math.Min(32, MaxLength - length)), random: true);
            case 1:
                b[_random.Next(length)] ^= (byte)(1 << _random.Next(8));
                return length;
            case 2:
                b[_random.Next(length)] = (byte)Interesting8[_random.Next(Interesting8.Length)];
                return length;
            case 3 when length >= 2:
                {
                    int at = _random.Next(length - 1);
                    short value = Interesting16[_random.Next(Interesting16.Length)];
                    if (_random.Next(2) == 0) BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(at), value);
                    else BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(at), value);
                    return length;
                }
            case 4 when length >= 4:
                {
                    int at = _random.Next(length - 3);
                    int value = Interesting32[_random.Next(Interesting32.Length)];
                    if (_random.Next(2) == 0) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), value);
                    else BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(at), value);
                    return length;
                }
            case 5:
                b[_random.Next(length)] += (byte)_random.Next(-35, 36);
                return length;
            case 6 when length >= 2:
                {
                    int at = _random.Next(length - 1);
                    ushort value = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));
                    BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), (ushort)(value + _random.Next(-35, 36)));
                    return length;
                }
            case 7:
                b[_random.Next(length)] = (byte)_random.Next(256);
                return length;
            case 8: // delete a block
                {
                    int count = _random.Next(1, 1 + Math.Min(length, _random.Next(2) == 0 ? 8 : 128));
                    int at = _random.Next(length - count + 1);
                    b.AsSpan(at + count, length - at - count).CopyTo(b.AsSpan(at));
                    return length - count;
                }
            case 9: // clone a block of the input into another place
                {
                    if (length >= MaxLength) return length;
                    int count = _random.Next(1, 1 + Math.Min(Math.Min(length, 64), MaxLength - length));
                    int from = _random.Next(length - count + 1);
                    var copy = b.AsSpan(from, count).ToArray();
                    int grown = Insert(length, count, random: false);
                    copy.CopyTo(b.AsSpan(_lastInsert));
                    return grown;
                }
            case 10: // overwrite with a block from elsewhere in the input
                {
                    int count = _random.Next(1, 1 + Math.Min(length, 32));
                    int from = _random.Next(length - count + 1);
                    int to = _random.Next(length - count + 1);
                    b.AsSpan(from, count).CopyTo(b.AsSpan(to));
                    return length;
                }
            case 11: // overwrite with a block of one repeated byte
                {
                    int count = _random.Next(1, 1 + Math.Min(length, 32));
                    b.AsSpan(_random.Next(length - count + 1), count).Fill(_random.Next(2) == 0 ? (byte)_random.Next(256) : b[_random.Next(length)]);
                    return length;
                }
            case 12 when corpus.Count > 0: // splice: our head, another input's tail
                {
                    var other = corpus[_random.Next(corpus.Count)];
                    if (other.Length < 2) return length;
                    int cut = _random.Next(Math.Min(length, other.Length));
                    int take = Math.Min(other.Length - cut, MaxLength - cut);
                    other.AsSpan(cut, take).CopyTo(b.AsSpan(cut));
                    return cut + take;
                }
            case 13 when corpus.Count > 0: // insert a block of another input
                {
                    var other = corpus[_random.Next(corpus.Count)];
                    if (other.Length == 0 || length >= MaxLength) return length;
                    int count = _random.Next(1, 1 + Math.Min(Math.Min(other.Length, 64), MaxLength - length));
                    int from = _random.Next(other.Length - count + 1);
                    int grown = Insert(length, count, random: false);
                    other.AsSpan(from, count).CopyTo(b.AsSpan(_lastInsert));
                    return grown;
                }
            case 14: // truncate
                return _random.Next(length);
            default: // a small random insert
                return Insert(length, _random.Next(1, 1 + Math.Min(4, MaxLength - length)), random: true);
        }
    }

    private int _lastInsert;

    private int Insert(int length, int count, bool random)
    {
        if (count <= 0) return length;
        int at = _random.Next(length + 1);
        _buffer.AsSpan(at, length - at).CopyTo(_buffer.AsSpan(at + count));
        if (random) _random.NextBytes(_buffer.AsSpan(at, count));
        _lastInsert = at;
        return length + count;
    }
}
