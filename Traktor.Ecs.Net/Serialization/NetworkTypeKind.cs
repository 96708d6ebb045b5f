namespace Traktor.Ecs.Net.Serialization;

/// <summary>What an entry of a generated schema describes.</summary>
public enum NetworkTypeKind : byte
{
    /// <summary>A <c>[Replicated]</c> component.</summary>
    Component = 0,

    /// <summary>An <c>[Rpc]</c> event.</summary>
    Rpc = 1,
}
