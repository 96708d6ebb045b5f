using System.Numerics;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Tests.Generators;

/// <summary>A transform like the cube demo's: compiled by the real generator reference.</summary>
[Replicated(Importance = 2, SendRate = 30, Audience = Audience.All, Smoothing = Smoothing.Interpolate)]
public struct TestTransform
{
    [Range(-256, 256)]
    [Quantize(0.002f)]
    public Vector3 Position;

    [Bits(10)]
    public Quaternion Rotation;

    [Quantize(0.01f)]
    public Vector3 Velocity;

    [NotReplicated]
    public int LocalOnly;
}

public enum TestTeam : byte
{
    Red,
    Blue,
    Green,
}

[Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Snap)]
public struct TestStatus
{
    [Range(0, 100)]
    public int Health;

    public bool Alive;
    public TestTeam Team;
    public short Armor;
    public uint Score;
    public int Signed;
    public long Ticks;
    public double Precise;
    public float Raw;

    [Range(-1, 1)]
    [Bits(12)]
    public float Throttle;

    [Bits(5)]
    public sbyte Small;

    public NetworkId Target;
    public FixedString32 Name;
}

[Rpc(Channel = Channel.ReliableUnordered)]
public struct TestChat
{
    public int PlayerId;
    public FixedString64 Text;

    [Quantize(0.5f)]
    public Vector2 Where;
}
