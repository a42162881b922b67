// Deterministic generated signatories, and what the site should show for them, computed here
// from the generated data (never from the site's output).

const FIRST = [
  'Anna', 'Bram', 'Chantal', 'Daan', 'Eva', 'Fatima', 'Gijs', 'Hanna', 'Ilse', 'Jeroen',
  'Karim', 'Lotte', 'Mohamed', 'Noor', 'Olaf', 'Priya', 'Ruben', 'Sanne', 'Tim', 'Yara',
];
const LAST = [
  'de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot',
  'Bos', 'Vos', 'Peters', 'Hendriks', 'van Leeuwen', 'Dekker', 'Brouwer', 'de Wit', 'Dijkstra',
  'Smits', 'El Amrani',
];
export const PLACES = [
  'Amsterdam', 'Rotterdam', 'Den Haag', 'Utrecht', 'Eindhoven', 'Groningen', 'Tilburg', 'Almere',
  'Breda', 'Nijmegen', 'Apeldoorn', 'Haarlem', 'Arnhem', 'Enschede', 'Amersfoort', 'Zaanstad',
  "'s-Hertogenbosch", 'Haarlemmermeer', 'Zwolle', 'Leiden', 'Maastricht', 'Dordrecht', 'Zoetermeer',
  'Emmen', 'Ede', 'Westland', 'Delft', 'Venlo', 'Deventer', 'Leeuwarden',
];
export const CATEGORIES = ['Particulier', 'Professional', 'Organisatie'];
const FUNCTIONS = [
  'sociaal werker', 'opbouwwerker', 'beleidsmedewerker', 'wijkverpleegkundige', 'docent',
  'vrijwilliger', 'coördinator', 'directeur', 'student', 'onderzoeker',
];
const ORGANISATIONS = [
  'Stichting Welzijn', 'Buurthuis De Brug', 'Gemeente', 'Hogeschool', 'Wijkteam',
  'Vereniging Samen', 'Coöperatie Buurtkracht',
];

export const UNIQUE = {
  name: 'Zzyzx Testpersoon',
  function: 'tester',
  organisation: 'Stichting Proef',
  place: 'Zwolle',
  category: 'Organisatie',
  date: '2021-06-15',
  publish: true,
  highlight: false,
};

/** mulberry32: a small seeded generator, so every run makes the same data. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rng, list) => list[Math.floor(rng() * list.length)];

function dateIn2021(day) {
  return new Date(Date.UTC(2021, 0, 1 + day)).toISOString().slice(0, 10);
}

/**
 * `count` signatories: names from the lists above plus a number, 30 places, 3 categories,
 * about 70% published, dates over 2021, the first `highlighted` highlighted; plus UNIQUE.
 */
export function signatories(count, { highlighted = 10, seed = 2021 } = {}) {
  const rng = random(seed);
  const list = [];
  for (let i = 1; i <= count; i++) {
    const s = {
      name: `${pick(rng, FIRST)} ${pick(rng, LAST)} ${i}`,
      function: rng() < 0.6 ? pick(rng, FUNCTIONS) : null,
      organisation: rng() < 0.4 ? pick(rng, ORGANISATIONS) : null,
      place: rng() < 0.95 ? pick(rng, PLACES) : null,
      category: pick(rng, CATEGORIES),
      date: dateIn2021(Math.floor(rng() * 365)),
      publish: rng() < 0.7,
      highlight: false,
    };
    if (i <= highlighted) {
      s.publish = true;
      s.highlight = true;
    }
    list.push(s);
  }
  // Somewhere in the middle, not at either end.
  list.splice(Math.floor(count / 3), 0, { ...UNIQUE });
  return list;
}

const q = (text) => JSON.stringify(text); // a YAML double-quoted scalar

/** `content/signatories.yaml` for `list`, written as plain text. */
export function signatoriesYaml(list) {
  const out = ['signatories:'];
  for (const s of list) {
    out.push(`- name: ${q(s.name)}`);
    if (s.function) out.push(`  function: ${q(s.function)}`);
    if (s.organisation) out.push(`  organisation: ${q(s.organisation)}`);
    if (s.place) out.push(`  place: ${q(s.place)}`);
    out.push(`  date: ${s.date}`);
    out.push(`  category: ${q(s.category)}`);
    out.push(`  publish: ${s.publish}`);
    if (s.highlight) out.push('  highlight: true');
  }
  return out.join('\n') + '\n';
}

/** What the site should list: highlighted first (data order), the rest by name. */
export function expectedLists(list) {
  const published = list.filter((s) => s.publish);
  const highlighted = published.filter((s) => s.highlight);
  const key = (s) => s.name.toLowerCase();
  const named = published
    .filter((s) => !s.highlight)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { published, highlighted, named };
}

/** How many published signatories match a category and a place (case-insensitive). */
export function countMatching(list, { category = '', place = '' } = {}) {
  return list.filter(
    (s) =>
      s.publish &&
      (!category || s.category === category) &&
      (!place || (s.place ?? '').toLowerCase() === place.toLowerCase()),
  ).length;
}
