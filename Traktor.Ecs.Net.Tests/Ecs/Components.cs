using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Tests.Ecs;

// Component types shared by the ECS tests. Each has several fields so a move that copies only part
// of a value, or the wrong row, shows up as a wrong field.

public record struct Position(float X, float Y);

public record struct Velocity(double Dx, double Dy);

public record struct Health(int Value, int Max);

/// <summary>Holds a reference, so the world must copy and clear it like any managed field.</summary>
public record struct Label(string Text, int Priority);

public record struct Mass(float Value);

public record struct Team(byte Id);

public record struct Unused(int Value);

/// <summary>A 4 KiB component: only 4 fit in an archetype's first (16 KiB) chunk, so small tests span many chunks.</summary>
public struct Bulky : IEquatable<Bulky>
{
    public int Head;
    public Block Middle;
    public int Tail;

    public Bulky(int seed)
    {
        Head = seed;
        Middle[0] = seed * 3;
        Middle[Block.Length - 1] = seed * 7;
        Tail = -seed;
    }

    public readonly bool Equals(Bulky other) =>
        Head == other.Head && Tail == other.Tail &&
        Middle[0] == other.Middle[0] && Middle[Block.Length - 1] == other.Middle[Block.Length - 1];

    public override readonly bool Equals(object? obj) => obj is Bulky other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(Head, Tail);

    public override readonly string ToString() => $"Bulky({Head})";

    [InlineArray(Length)]
    public struct Block
    {
        public const int Length = 1000;
        private int element;
    }
}
