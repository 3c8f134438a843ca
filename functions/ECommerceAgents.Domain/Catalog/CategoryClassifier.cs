using System.Reflection;

namespace ECommerceAgents.Domain.Catalog;

/// <summary>A category guess and how sure the model is (posterior probability of the winner, 0–1).</summary>
internal readonly record struct CategoryPrediction(string Category, double Confidence);

/// <summary>
/// Multinomial naive Bayes over the words of a product's title, brand and description (unigrams with a light plural
/// stem, plus adjacent-word bigrams), with Laplace smoothing. It is trained when first used from the labelled set
/// embedded in this assembly (<c>Catalog/Training/categories.tsv</c>: category, tab, product text), which takes a few
/// milliseconds; the model is immutable and shared. Accuracy on a separate, hand-written held-out set is measured by
/// a test (see <c>CategoryClassifierTests</c>).
/// </summary>
internal sealed class CategoryClassifier
{
    private const double Alpha = 0.5;
    private static readonly Lazy<CategoryClassifier> Embedded = new(() => Train(ReadEmbeddedTrainingSet()));

    private readonly string[] _categories;
    private readonly double[] _logPrior;
    private readonly Dictionary<string, double[]> _logLikelihood;
    private readonly bool[] _trained;

    private CategoryClassifier(string[] categories, double[] logPrior, Dictionary<string, double[]> logLikelihood, int examples, int[] docCountsOf)
    {
        _categories = categories;
        _logPrior = logPrior;
        _logLikelihood = logLikelihood;
        _trained = logPrior.Select((_, c) => docCountsOf[c] > 0).ToArray();
        Examples = examples;
    }

    /// <summary>The model trained on the embedded labelled set.</summary>
    public static CategoryClassifier Default => Embedded.Value;

    public int Examples { get; }

    public int Vocabulary => _logLikelihood.Count;

    public static CategoryClassifier Train(IEnumerable<(string Category, string Text)> examples)
    {
        var categories = CatalogTaxonomy.Categories.ToArray();
        var index = categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var docCounts = new int[categories.Length];
        var wordTotals = new long[categories.Length];
        var counts = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var n = 0;
        foreach (var (category, text) in examples)
        {
            if (!index.TryGetValue(category, out var c)) throw new ArgumentException($"Training category '{category}' is not in the taxonomy.", nameof(examples));
            docCounts[c]++;
            n++;
            foreach (var f in Features(text))
            {
                if (!counts.TryGetValue(f, out var perClass)) counts[f] = perClass = new int[categories.Length];
                perClass[c]++;
                wordTotals[c]++;
            }
        }

        var vocabulary = counts.Count;
        var logPrior = docCounts.Select(d => Math.Log((d + 1.0) / (n + categories.Length))).ToArray();
        var likelihood = new Dictionary<string, double[]>(counts.Count, StringComparer.Ordinal);
        foreach (var (word, perClass) in counts)
        {
            var l = new double[categories.Length];
            for (var c = 0; c < categories.Length; c++) l[c] = Math.Log((perClass[c] + Alpha) / (wordTotals[c] + (Alpha * vocabulary)));
            likelihood[word] = l;
        }

        return new CategoryClassifier(categories, logPrior, likelihood, n, docCounts);
    }

    internal CategoryPrediction Predict(string text)
    {
        // A category without training examples can never win (its smoothed likelihoods would otherwise look flat and likely).
        var scores = (double[])_logPrior.Clone();
        for (var c = 0; c < scores.Length; c++)
        {
            if (!_trained[c]) scores[c] = double.NegativeInfinity;
        }

        var known = 0;
        foreach (var f in Features(text))
        {
            // Words never seen in training carry no evidence: skipping them keeps the prior from drifting with class sizes.
            if (!_logLikelihood.TryGetValue(f, out var l)) continue;
            known++;
            for (var c = 0; c < scores.Length; c++) scores[c] += l[c];
        }

        var best = 0;
        for (var c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[best]) best = c;
        }

        if (known == 0) return new CategoryPrediction(_categories[best], 0);
        var sum = 0.0;
        for (var c = 0; c < scores.Length; c++)
        {
            if (_trained[c]) sum += Math.Exp(scores[c] - scores[best]);
        }

        return new CategoryPrediction(_categories[best], 1.0 / sum);
    }

    /// <summary>Unigrams (plural-stemmed) and adjacent bigrams of the product text.</summary>
    public static IEnumerable<string> Features(string text)
    {
        string? previous = null;
        foreach (var token in ProductText.Tokens(text))
        {
            var stem = Stem(token);
            yield return stem;
            if (previous is not null) yield return previous + "_" + stem;
            previous = stem;
        }
    }

    private static string Stem(string token) =>
        token.Length > 4 && token.EndsWith("ies", StringComparison.Ordinal) ? token[..^3] + "y"
        : token.Length > 3 && token[^1] == 's' && token[^2] is not ('s' or 'u' or 'i') ? token[..^1]
        : token;

    /// <summary>Reads <c>category\ttext</c> lines; blank lines and lines starting with <c>#</c> are skipped.</summary>
    public static IEnumerable<(string Category, string Text)> ReadTrainingSet(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0) continue;
            yield return (line[..tab].Trim(), line[(tab + 1)..].Trim());
        }
    }

    private static List<(string Category, string Text)> ReadEmbeddedTrainingSet()
    {
        using var stream = typeof(CategoryClassifier).Assembly.GetManifestResourceStream("catalog/categories.tsv")
            ?? throw new InvalidOperationException("The embedded training set catalog/categories.tsv is missing.");
        using var reader = new StreamReader(stream);
        return ReadTrainingSet(reader).ToList();
    }
}
