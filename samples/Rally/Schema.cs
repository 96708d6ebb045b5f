using System.Numerics;

namespace Rally;

/// <summary>Where a thing is: everyone near it sees it, smoothly between snapshots.</summary>
[Replicated(Smoothing = Smoothing.Interpolate)]
public struct Position { [Range(-4096, 4096)] [Quantize(0.01f)] public Vector2 Value; }

/// <summary>The driver's car: only its owner receives it (so the owner's copy carries LocalOwner) and predicts it.</summary>
[Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Predict)]
public struct Car { [Range(-4096, 4096)] [Quantize(0.01f)] public Vector2 Position; }

/// <summary>A flag by the track: scenery, seen by whoever is near it.</summary>
[Replicated]
public struct Flag { [Range(0, 7)] public int Colour; }

/// <summary>Server-side only: whose car it is (the user id outlives the connection).</summary>
public struct Driver { public long UserId; }

/// <summary>The driver's controls, sent every tick.</summary>
[NetInput]
public struct Drive { [Range(-1, 1)] [Quantize(0.01f)] public float X, Y; }

/// <summary>A honk: a player sends it to the server, which relays it to everyone else.</summary>
[Rpc]
public struct Honk { [Range(0, 7)] public int Loudness; }
