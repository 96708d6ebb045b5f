using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>
/// The internal <c>Signature&lt;T0…&gt;</c> caches (1–25 types): each <c>Create</c> signature's id and component types,
/// computed once per closed generic type, so a <c>Create</c> looks nothing up.
/// </summary>
internal sealed class SignatureCacheEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "SignatureCache.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile();
        for (int n = 1; n <= Arity.Max; n++)
        {
            file.Block($$"""
                /// <summary>The static cache of one <c>Create</c> signature: its id and its component types.</summary>
                {{TypeDocs(n, indent: "")}}internal static class Signature<{{TypeParams(n)}}>
                {
                    public static readonly ComponentType[] Types = [{{ComponentTypes(n)}}];
                    public static readonly int Id = SignatureIds.Next();
                }
                """);
        }

        return file.ToString();
    }
}
