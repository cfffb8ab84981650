/**
 * Random container names in docker's `<adjective>_<surname>` style. The lists are berth's own.
 */
import { internal } from '../lib/errors.js';

const ADJECTIVES = [
  'admiring', 'adoring', 'affectionate', 'agile', 'amazing', 'amused', 'ardent', 'awesome',
  'blissful', 'bold', 'boring', 'brave', 'bright', 'busy', 'calm', 'candid', 'careful', 'charming',
  'cheerful', 'clever', 'cool', 'cosmic', 'crisp', 'curious', 'daring', 'dazzling', 'deft',
  'determined', 'diligent', 'dreamy', 'dynamic', 'eager', 'earnest', 'ecstatic', 'elastic',
  'elegant', 'eloquent', 'epic', 'exciting', 'fearless', 'festive', 'fervent', 'fond', 'focused',
  'friendly', 'frosty', 'funny', 'gallant', 'gentle', 'gifted', 'gleaming', 'goofy', 'graceful',
  'gracious', 'great', 'happy', 'hardy', 'hopeful', 'humble', 'hungry', 'inspiring', 'intrepid',
  'jolly', 'jovial', 'keen', 'kind', 'laughing', 'lively', 'loving', 'lucid', 'lucky', 'magical',
  'merry', 'mellow', 'modest', 'musing', 'mystic', 'nifty', 'nimble', 'noble', 'nostalgic',
  'optimistic', 'patient', 'peaceful', 'pensive', 'playful', 'polite', 'practical', 'proud',
  'quiet', 'quirky', 'radiant', 'relaxed', 'resolute', 'serene', 'sharp', 'silly', 'sleepy',
  'smiling', 'snappy', 'spirited', 'stoic', 'sunny', 'sweet', 'swift', 'tender', 'thirsty',
  'tidy', 'trusting', 'upbeat', 'valiant', 'vibrant', 'vigilant', 'vivid', 'wizardly', 'witty',
  'youthful', 'zealous', 'zen',
];

// Scientists, mathematicians, engineers and computing pioneers.
const SURNAMES = [
  'agnesi', 'alhazen', 'allen', 'archimedes', 'aryabhata', 'babbage', 'backus', 'banach',
  'bardeen', 'bartik', 'bassi', 'bell', 'bernoulli', 'bhabha', 'blackwell', 'bohr', 'boole',
  'borg', 'bose', 'brahe', 'brattain', 'burnell', 'cannon', 'cantor', 'carson', 'cauchy',
  'cerf', 'chandrasekhar', 'chebyshev', 'clarke', 'cohen', 'conway', 'copernicus', 'cori',
  'cray', 'curie', 'darwin', 'dijkstra', 'dirac', 'doudna', 'easley', 'einstein', 'elion',
  'engelbart', 'erdos', 'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman', 'fibonacci',
  'fourier', 'franklin', 'galileo', 'galois', 'gauss', 'germain', 'gibbs', 'godel', 'goldberg',
  'goodall', 'gould', 'hamilton', 'hawking', 'heisenberg', 'hertz', 'hilbert', 'hodgkin',
  'hoover', 'hopper', 'hubble', 'huffman', 'huygens', 'hypatia', 'jackson', 'jemison', 'jennings',
  'johnson', 'joule', 'kalam', 'kapitsa', 'kare', 'kay', 'kelvin', 'kepler', 'khorana', 'kilby',
  'knuth', 'kolmogorov', 'kovalevskaya', 'lamarr', 'lamport', 'laplace', 'lavoisier', 'leakey',
  'leavitt', 'lederberg', 'leibniz', 'lewin', 'liskov', 'lovelace', 'lumiere', 'mahavira',
  'margulis', 'maxwell', 'mccarthy', 'mcclintock', 'meitner', 'mendel', 'mendeleev', 'merkle',
  'minsky', 'mirzakhani', 'moore', 'morse', 'napier', 'nash', 'neumann', 'newton', 'nobel',
  'noether', 'noyce', 'ochoa', 'ohm', 'oppenheimer', 'pascal', 'pasteur', 'pauli', 'pauling',
  'payne', 'perlman', 'planck', 'poincare', 'ptolemy', 'raman', 'ramanujan', 'riemann', 'ride',
  'ritchie', 'roentgen', 'rubin', 'rutherford', 'sagan', 'salk', 'sammet',
  'sanger', 'schrodinger', 'shannon', 'shaw', 'shockley', 'sinoussi', 'snyder', 'somerville',
  'spence', 'stallman', 'stonebraker', 'sutherland', 'swartz', 'tesla', 'tharp', 'thompson',
  'torvalds', 'turing', 'vaughan', 'villani', 'volta', 'wallace', 'watson', 'wiles',
  'wilson', 'wing', 'wirth', 'wozniak', 'wright', 'wu', 'yalow', 'yonath', 'zuse', 'zwicky',
  'abel', 'ampere', 'avogadro', 'becquerel', 'bessel', 'boltzmann', 'cavendish', 'celsius',
  'coulomb', 'dalton', 'doppler', 'edison', 'fahrenheit', 'fleming', 'hooke', 'jacobi',
  'lagrange', 'lorentz', 'lyapunov', 'markov', 'noyes', 'rayleigh', 'stirling', 'wiener',
];

/** Steve Wozniak is not boring: docker's one excluded combination, kept for familiarity. */
const EXCLUDED = 'boring_wozniak';
/** Plain names tried before falling back to a digit suffix, as docker retries. */
const PLAIN_ATTEMPTS = 3;
const MAX_ATTEMPTS = 1000;

function pick<T>(list: readonly T[], random: () => number): T {
  const i = Math.min(Math.floor(random() * list.length), list.length - 1);
  return list[i] as T;
}

function randomName(random: () => number): string {
  for (let i = 0; i < 10; i++) {
    const name = `${pick(ADJECTIVES, random)}_${pick(SURNAMES, random)}`;
    if (name !== EXCLUDED) return name;
  }
  // A random source stuck on the excluded pair must not hang name generation.
  return 'boring_turing';
}

/**
 * A free `<adjective>_<surname>` name. After a few collisions a random digit is appended
 * (`focused_turing3`), then larger numbers, so a crowded host still finds a name quickly.
 */
export function generateName(taken: (name: string) => boolean, random: () => number = Math.random): string {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let name = randomName(random);
    if (attempt >= PLAIN_ATTEMPTS) {
      const limit = attempt < 50 ? 10 : 1000;
      name += String(Math.min(Math.floor(random() * limit), limit - 1));
    }
    if (!taken(name)) return name;
  }
  throw internal('NameGenerationFailed', 'could not generate a unique container name');
}

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** docker's container name rule: `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`. */
export function isValidContainerName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** The word lists, exported for tests and for callers that validate generated names. */
export const NAME_PARTS: { readonly adjectives: readonly string[]; readonly surnames: readonly string[] } = {
  adjectives: ADJECTIVES,
  surnames: SURNAMES,
};
