
namespace Traktor.Ecs.Net;

/// <summary>Which connections receive a replicated component.</summary>
public enum Audience : byte
{
    /// <summary>Every connection that sees the entity.</summary>
    All = 0,

    /// <summary>Only the connection that owns the entity.</summary>
    Owner = 1,

    /// <summary>Every connection except the owner (which predicts it locally).</summary>
    AllButOwner = 2,
}
