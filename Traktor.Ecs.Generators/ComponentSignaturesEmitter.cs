using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>Arch 2.x's <c>Component&lt;T0…&gt;.Signature</c> and <c>.Hash</c> for 2–25 types.</summary>
internal sealed class ComponentSignaturesEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "Component.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile();
        for (int n = 2; n <= Arity.Max; n++)
        {
            file.Block($$"""
                /// <summary>The static signature of {{n}} component types, as Arch 2.x's <c>Component&lt;{{CompactTypeParams(n)}}&gt;</c>: for <c>world.Create(entities, Component&lt;…&gt;.Signature, amount)</c> and the other signature-taking calls.</summary>
                {{TypeDocs(n, indent: "")}}public static class Component<{{TypeParams(n)}}>
                {
                    /// <summary>The set of these component types (order does not matter; a type named twice counts once).</summary>
                    public static readonly Signature Signature = new({{ComponentTypes(n)}});

                    /// <summary>The hash of the set (Arch 2.x's <c>Hash</c>): <c>Signature.GetHashCode()</c>, the same for every order of the types.</summary>
                    public static readonly int Hash = Signature.GetHashCode();
                }
                """);
        }

        return file.ToString();
    }
}
