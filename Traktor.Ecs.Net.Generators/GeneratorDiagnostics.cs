using Microsoft.CodeAnalysis;

namespace Traktor.Ecs.Net.Generators;

/// <summary>Compile-time errors the generator reports.</summary>
internal static class GeneratorDiagnostics
{
    private const string Category = "Traktor.Ecs.Net";

    public static readonly DiagnosticDescriptor UnsupportedFieldType = new(
        "TRKNET001",
        "Field type cannot be replicated",
        "Field '{0}' of type '{1}' cannot be replicated: supported types are bool, integer types, enums, float, double, Vector2/3/4, Quaternion, NetworkId, FixedString32 and FixedString64. Mark it [NotReplicated] or change its type.",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidFieldAttribute = new(
        "TRKNET002",
        "Invalid replication attribute",
        "Field '{0}': {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidType = new(
        "TRKNET003",
        "Type cannot be replicated",
        "'{0}' cannot be replicated: {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "TRKNET001" => UnsupportedFieldType,
        "TRKNET002" => InvalidFieldAttribute,
        _ => InvalidType,
    };
}
