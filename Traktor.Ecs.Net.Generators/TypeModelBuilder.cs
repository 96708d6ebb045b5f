using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Traktor.Ecs.Net.Generators;

/// <summary>Turns an attributed struct symbol into a <see cref="TypeModel"/>.</summary>
internal static class TypeModelBuilder
{
    public const string AttributeNamespace = "Traktor.Ecs.Net";
    public const string ReplicatedAttribute = AttributeNamespace + ".ReplicatedAttribute";
    public const string RpcAttribute = AttributeNamespace + ".RpcAttribute";
    public const string NetInputAttribute = AttributeNamespace + ".NetInputAttribute";

    public static TypeModel? Build(GeneratorAttributeSyntaxContext context, bool isRpc, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type)
        {
            return null;
        }

        var diagnostics = new List<DiagnosticInfo>();
        var location = type.Locations.FirstOrDefault();
        string display = type.ToDisplayString();
        if (type.ContainingType is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidType, location, display, "replicated structs must be declared at namespace level, not nested"));
        }

        if (type.IsGenericType)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidType, location, display, "replicated structs cannot be generic"));
        }

        bool hasBoth = type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == (isRpc ? ReplicatedAttribute : RpcAttribute));
        if (hasBoth && isRpc)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidType, location, display, "a struct cannot be both [Replicated] and [Rpc]"));
        }

        var attribute = context.Attributes[0];
        int importance = 1, sendRate = 0, audience = 0, smoothing = 0, channel = 0;
        foreach (var named in attribute.NamedArguments)
        {
            int value = named.Value.Value is int i ? i : System.Convert.ToInt32(named.Value.Value ?? 0, System.Globalization.CultureInfo.InvariantCulture);
            switch (named.Key)
            {
                case "Importance": importance = value; break;
                case "SendRate": sendRate = value; break;
                case "Audience": audience = value; break;
                case "Smoothing": smoothing = value; break;
                case "Channel": channel = value; break;
            }
        }

        if (importance < 0 || sendRate < 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidType, location, display, "Importance and SendRate must not be negative"));
        }

        var fields = new List<FieldModel>();
        foreach (var member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member is not IFieldSymbol field || field.IsStatic || field.IsConst || field.IsImplicitlyDeclared)
            {
                continue;
            }

            if (HasAttribute(field, "NotReplicatedAttribute"))
            {
                continue;
            }

            if (field.IsReadOnly)
            {
                diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidFieldAttribute, field.Locations.FirstOrDefault(), field.Name, "readonly fields cannot be written when a snapshot is applied; remove readonly or mark it [NotReplicated]"));
                continue;
            }

            var model = FieldModelBuilder.Build(field, diagnostics);
            if (model is not null)
            {
                fields.Add(model);
            }
        }

        // Auto-properties are not replicated silently: their backing fields are, so name them clearly.
        foreach (var member in type.GetMembers().OfType<IPropertySymbol>())
        {
            if (!member.IsStatic && member.GetMethod is not null && member.SetMethod is not null && IsAutoProperty(member))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    GeneratorDiagnostics.InvalidType,
                    member.Locations.FirstOrDefault(),
                    display + "." + member.Name,
                    "auto-properties are not replicated; use a field (or make it a computed property)"));
            }
        }

        var laneNames = fields.SelectMany(f => FieldPlanner.Plan(f).Lanes.Select(l => l.Name)).ToList();
        var collision = laneNames.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (collision is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidType, location, display, $"two replicated fields both produce the snapshot member '{collision.Key}'; rename one"));
        }

        string ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();
        string accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        return new TypeModel(
            ns,
            type.Name,
            display,
            accessibility,
            isRpc,
            importance,
            sendRate,
            audience,
            smoothing,
            channel,
            new EquatableArray<FieldModel>(fields.ToArray()),
            new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
    }

    public static bool HasAttribute(ISymbol symbol, string shortName) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AttributeNamespace + "." + shortName);

    public static AttributeData? FindAttribute(ISymbol symbol, string shortName) =>
        symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == AttributeNamespace + "." + shortName);

    private static bool IsAutoProperty(IPropertySymbol property) =>
        property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));
}
