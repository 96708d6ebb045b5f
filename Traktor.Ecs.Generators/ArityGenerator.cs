using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Traktor.Ecs.Generators;

/// <summary>
/// Writes Traktor.Ecs's variadic members (1–25 component types, as Arch 2.x generates them) into the Traktor.Ecs
/// compilation, one source per concept. The output depends on no input, so it is added once, before any other
/// generator step runs, and costs the IDE nothing on later edits.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ArityGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context) =>
        context.RegisterPostInitializationOutput(static output =>
        {
            foreach (var emitter in ArityEmitters.All)
            {
                output.AddSource(emitter.HintName, SourceText.From(emitter.Emit(), Encoding.UTF8));
            }
        });
}
