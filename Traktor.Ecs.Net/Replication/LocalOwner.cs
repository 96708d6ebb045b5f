namespace Traktor.Ecs.Net;

/// <summary>
/// Client-side tag: this client owns the entity (its <see cref="NetworkOwner"/> on the server is this
/// client's connection). The client replication adds it when the entity holds a component declared with
/// <c>Audience = Audience.Owner</c> (the server sends those to the owner only, so holding one proves
/// ownership) and removes it when the entity no longer holds any. Query <c>WithAll&lt;LocalOwner&gt;()</c>
/// for "my ship"; <see cref="ClientPrediction{TInput, TSerializer}"/> predicts these entities by default.
/// An entity type that should be marked needs at least one owner-only component (the predicted state
/// usually is one).
/// </summary>
public readonly record struct LocalOwner;
