using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary><c>Components&lt;T0…&gt;</c>: the <c>ref</c> fields a multi-component <c>Get</c> returns (2–25 types).</summary>
internal sealed class ComponentsEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "Components.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile();
        for (int n = 2; n <= Arity.Max; n++)
        {
            string fields = Lines(n, i => $"    /// <summary>The entity's <typeparamref name=\"T{i}\"/>, by reference.</summary>\n    public ref T{i} t{i};\n");
            string ctorParams = Join(n, ", ", i => $"ref T{i} t{i}");
            string assigns = Lines(n, i => $"        this.t{i} = ref t{i};");
            string paramDocs = ParamDocs(n, i => $"A reference to component {i}.");
            file.Block($$"""
                /// <summary>References to {{n}} components of one entity, returned by <c>Get&lt;{{CompactTypeParams(n)}}&gt;</c> (Arch's shape: fields t0, t1…).</summary>
                {{TypeDocs(n, indent: "")}}public ref struct Components<{{TypeParams(n)}}>
                {
                {{fields}}    /// <summary>Bundles the references.</summary>
                {{paramDocs}}    public Components({{ctorParams}})
                    {
                {{assigns}}    }
                }
                """);
        }

        return file.ToString();
    }
}
