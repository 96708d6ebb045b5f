using System.Numerics;

namespace Traktor.Ecs.Net.Fuzz.Game;

// The types a small game replicates, calls and predicts: what the application-level targets decode. They cover
// the generator's field kinds (quantized vectors and floats, ranged ints, bools, quaternions, fixed strings,
// network ids, raw bits) so a snapshot, RPC or input reaches every kind of field reader.

/// <summary>A quantized position, interpolated.</summary>
[Replicated(Importance = 1, Smoothing = Smoothing.Interpolate)]
public struct FuzzPosition
{
    [Range(-2000, 2000)]
    [Quantize(0.01f)]
    public Vector2 Value;
}

/// <summary>Health and a name, sent only to the owner.</summary>
[Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Snap)]
public struct FuzzVitals
{
    [Range(0, 1000)]
    public int Health;

    public FixedString32 Name;

    public bool Shielded;
}

/// <summary>An orientation and a reference to another entity, seen by everyone but the owner.</summary>
[Replicated(Audience = Audience.AllButOwner, Smoothing = Smoothing.Snap)]
public struct FuzzAim
{
    public Quaternion Facing;

    public NetworkId Target;

    [Bits(4)]
    public byte Power;
}

/// <summary>A predicted body (the owner predicts it from its inputs).</summary>
[Replicated(Smoothing = Smoothing.Predict)]
public struct FuzzBody
{
    [Range(-4000, 4000)]
    [Quantize(0.01f)]
    public Vector2 Position;
}

/// <summary>An unbounded float, the widest field.</summary>
[Replicated(Smoothing = Smoothing.Snap)]
public struct FuzzScore
{
    public float Value;

    public long Total;
}

/// <summary>A client command the server allows.</summary>
[Rpc]
public struct FuzzCommand
{
    [Range(0, 1000)]
    public int Weapon;

    public NetworkId Target;
}

/// <summary>A chat line, unreliable.</summary>
[Rpc(Channel = Channel.Unreliable)]
public struct FuzzChat
{
    public FixedString64 Text;
}

/// <summary>A server announcement clients must never send.</summary>
[Rpc]
public struct FuzzAnnouncement
{
    public int Score;
}

/// <summary>A player's input.</summary>
[NetInput]
public struct FuzzMove
{
    [Quantize(0.01f)]
    public float X;

    [Quantize(0.01f)]
    public float Y;

    public bool Fire;

    [Quantize(0.01f)]
    public Vector2 Aim;
}
