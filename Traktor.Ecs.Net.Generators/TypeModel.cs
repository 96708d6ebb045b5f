namespace Traktor.Ecs.Net.Generators;

/// <summary>One [Replicated] or [Rpc] struct, its settings, fields and any problems found.</summary>
internal sealed record TypeModel(
    string Namespace,
    string Name,
    string FullName,
    string Accessibility,
    bool IsRpc,
    int Importance,
    int SendRate,
    int Audience,
    int Smoothing,
    int Channel,
    EquatableArray<FieldModel> Fields,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The struct name qualified for generated code.</summary>
    public string QualifiedName => Namespace.Length == 0 ? $"global::{Name}" : $"global::{Namespace}.{Name}";

    /// <summary>Name of the generated snapshot struct.</summary>
    public string SnapshotName => Name + "Snapshot";

    /// <summary>Name of the generated serializer struct.</summary>
    public string SerializerName => Name + "Serializer";

    /// <summary>Snapshot qualified for generated code.</summary>
    public string QualifiedSnapshotName => Namespace.Length == 0 ? $"global::{SnapshotName}" : $"global::{Namespace}.{SnapshotName}";

    /// <summary>Serializer qualified for generated code.</summary>
    public string QualifiedSerializerName => Namespace.Length == 0 ? $"global::{SerializerName}" : $"global::{Namespace}.{SerializerName}";
}
