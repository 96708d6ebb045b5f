namespace Traktor.Ecs.Net;

/// <summary>The identity of a shared entity on every peer: the peer that spawned it and that peer's serial number for it.</summary>
/// <param name="Creator">The spawning peer's id.</param>
/// <param name="Serial">Its count of spawned entities, from 1.</param>
public readonly record struct SharedId(ulong Creator, uint Serial);
