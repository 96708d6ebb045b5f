using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Traktor.Ecs.Net.Generators;

/// <summary>
/// Emits, for every <c>[Replicated]</c> and <c>[Rpc]</c> struct, a snapshot struct and a serializer
/// (one file per type), and one <c>GeneratedNetworkSchema</c> per assembly with stable type ids
/// (ordered by full type name) and a protocol hash. Unsupported fields are compile-time errors.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ReplicationGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var replicated = context.SyntaxProvider.ForAttributeWithMetadataName(
            TypeModelBuilder.ReplicatedAttribute,
            static (node, _) => node is StructDeclarationSyntax,
            static (ctx, ct) => TypeModelBuilder.Build(ctx, isRpc: false, ct));
        var rpcs = context.SyntaxProvider.ForAttributeWithMetadataName(
            TypeModelBuilder.RpcAttribute,
            static (node, _) => node is StructDeclarationSyntax,
            static (ctx, ct) => TypeModelBuilder.Build(ctx, isRpc: true, ct));
        // Inputs are messages too (sent by the prediction layer rather than as RPC events).
        var inputs = context.SyntaxProvider.ForAttributeWithMetadataName(
            TypeModelBuilder.NetInputAttribute,
            static (node, _) => node is StructDeclarationSyntax,
            static (ctx, ct) => TypeModelBuilder.Build(ctx, isRpc: true, ct));
        var assemblyName = context.CompilationProvider.Select(static (c, _) => c.AssemblyName);
        var messages = rpcs.Collect().Combine(inputs.Collect()).Select(static (pair, _) => pair.Left.AddRange(pair.Right));
        var all = replicated.Collect().Combine(messages).Combine(assemblyName);
        context.RegisterSourceOutput(all, static (spc, input) => Emit(spc, input.Left.Left, input.Left.Right, input.Right));
    }

    private static void Emit(SourceProductionContext context, ImmutableArray<TypeModel?> replicated, ImmutableArray<TypeModel?> rpcs, string? assemblyName)
    {
        var models = replicated.Concat(rpcs).Where(m => m is not null).Select(m => m!).ToList();
        foreach (var diagnostic in models.SelectMany(m => m.Diagnostics))
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }

        var valid = models
            .Where(m => m.Diagnostics.Count == 0)
            .GroupBy(m => m.FullName)
            .Select(g => g.First())
            .OrderBy(m => m.FullName, System.StringComparer.Ordinal)
            .ToList();
        if (valid.Count == 0)
        {
            return;
        }

        int contextOffset = 0;
        for (int id = 0; id < valid.Count; id++)
        {
            var type = valid[id];
            context.AddSource($"{type.FullName}.Serializer.g.cs", SerializerEmitter.Emit(type, id, contextOffset));
            contextOffset += SerializerEmitter.ContextCount(type);
        }

        context.AddSource("GeneratedNetworkSchema.g.cs", SchemaEmitter.Emit(SchemaEmitter.NamespaceFor(assemblyName), valid));
    }
}
