using System;
using System.Collections.Generic;
using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>
/// One shape of sequential query for 1–25 types, one source per shape: <c>Query</c> with a delegate (with and without the
/// entity), <c>InlineQuery</c> and <c>InlineEntityQuery</c> with a struct callback. The inline shapes also get Arch's form
/// without an iterator argument.
/// </summary>
internal sealed class SequentialQueriesEmitter : IArityEmitter
{
    private const string DescriptionDoc = "    /// <param name=\"description\">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>\n";

    /// <summary>The four shapes.</summary>
    public static IReadOnlyList<IArityEmitter> All { get; } =
    [
        new SequentialQueriesEmitter(
            "World.Queries.Arity.g.cs",
            (t, typeDocs) => $$"""
                    /// <summary>Calls <paramref name="forEach"/> for every matching entity with its components by reference.</summary>
                {{typeDocs}}{{DescriptionDoc}}    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
                    public void Query<{{t}}>(in QueryDescription description, ForEach<{{t}}> forEach)
                """,
            refs => $"forEach({refs})",
            passesEntity: false,
            withoutIterator: null),
        new SequentialQueriesEmitter(
            "World.QueriesWithEntity.Arity.g.cs",
            (t, typeDocs) => $$"""
                    /// <summary>Calls <paramref name="forEach"/> for every matching entity with the entity and its components.</summary>
                {{typeDocs}}{{DescriptionDoc}}    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
                    public void Query<{{t}}>(in QueryDescription description, ForEachWithEntity<{{t}}> forEach)
                """,
            refs => $"forEach(entities[i], {refs})",
            passesEntity: true,
            withoutIterator: null),
        new SequentialQueriesEmitter(
            "World.InlineQueries.Arity.g.cs",
            (t, typeDocs) => $$"""
                    /// <summary>
                    /// Runs a struct callback for every matching entity. The loop is specialised for
                    /// <typeparamref name="TForEach"/>, so its <c>Update</c> inlines.
                    /// </summary>
                    /// <typeparam name="TForEach">The callback struct.</typeparam>
                {{typeDocs}}{{DescriptionDoc}}    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
                    public void InlineQuery<TForEach, {{t}}>(in QueryDescription description, ref TForEach iterator)
                        where TForEach : struct, IForEach<{{t}}>
                """,
            refs => $"iterator.Update({refs})",
            passesEntity: false,
            withoutIterator: ("InlineQuery", "IForEach")),
        new SequentialQueriesEmitter(
            "World.InlineEntityQueries.Arity.g.cs",
            (t, typeDocs) => $$"""
                    /// <summary>Like <c>InlineQuery</c>, passing the entity handle too.</summary>
                    /// <typeparam name="TForEach">The callback struct.</typeparam>
                {{typeDocs}}{{DescriptionDoc}}    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
                    public void InlineEntityQuery<TForEach, {{t}}>(in QueryDescription description, ref TForEach iterator)
                        where TForEach : struct, IForEachWithEntity<{{t}}>
                """,
            refs => $"iterator.Update(entities[i], {refs})",
            passesEntity: true,
            withoutIterator: ("InlineEntityQuery", "IForEachWithEntity")),
    ];

    private readonly Func<string, string, string> signature;
    private readonly Func<string, string> call;
    private readonly bool passesEntity;
    private readonly (string Method, string Interface)? withoutIterator;

    private SequentialQueriesEmitter(
        string hintName,
        Func<string, string, string> signature,
        Func<string, string> call,
        bool passesEntity,
        (string Method, string Interface)? withoutIterator)
    {
        HintName = hintName;
        this.signature = signature;
        this.call = call;
        this.passesEntity = passesEntity;
        this.withoutIterator = withoutIterator;
    }

    /// <inheritdoc />
    public string HintName { get; }

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public sealed partial class World\n{");
        for (int n = 1; n <= Arity.QueryMax; n++)
        {
            string t = TypeParams(n);
            string typeDocs = TypeDocs(n, "A component type every matching archetype has.");
            file.Block(signature(t, typeDocs) + "\n" + QueryLoopText.Body(n, call, passesEntity));
            if (withoutIterator is { } fresh)
            {
                // Arch's inline queries without an iterator argument: a fresh `new TForEach()` runs, its state dropped afterwards.
                file.Block($$"""
                        /// <summary>
                        /// Arch's form without an iterator: runs a new <typeparamref name="TForEach"/> (<c>new TForEach()</c>, so a
                        /// parameterless constructor runs); whatever state it gathers is dropped when the query ends.
                        /// </summary>
                        /// <typeparam name="TForEach">The callback struct.</typeparam>
                    {{typeDocs}}{{DescriptionDoc}}    public void {{fresh.Method}}<TForEach, {{t}}>(in QueryDescription description)
                            where TForEach : struct, {{fresh.Interface}}<{{t}}>
                        {
                            var iterator = new TForEach();
                            {{fresh.Method}}<TForEach, {{t}}>(in description, ref iterator);
                        }
                    """);
            }
        }

        return file.ToString("\nusing System.Runtime.CompilerServices;\n", closing: "}\n");
    }
}
