namespace Traktor.Ecs.Generators;

/// <summary>Writes one generated source of Traktor.Ecs: one concept (a shape of overload) for every arity.</summary>
internal interface IArityEmitter
{
    /// <summary>The source's name in the compilation (e.g. <c>World.Create.Arity.g.cs</c>).</summary>
    string HintName { get; }

    /// <summary>The whole source text.</summary>
    string Emit();
}
