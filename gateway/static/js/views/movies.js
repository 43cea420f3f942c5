// The movie list: search, filter by status, and a card per movie.

import { get } from "../api.js";
import { h, replace } from "../dom.js";
import { showError } from "../notice.js";

const PAGE_SIZE = 24;
const FILTERS = [
  ["now_showing", "Now showing"],
  ["coming_soon", "Coming soon"],
  ["", "All"],
];
export const STATUS_NAMES = {
  now_showing: "Now showing",
  coming_soon: "Coming soon",
  ended: "Ended",
};

const POSTER_IMAGE_STYLE = {
  position: "absolute",
  inset: "0",
  width: "100%",
  height: "100%",
  objectFit: "cover",
  objectPosition: "center 30%",
};

/**
 * The movie's poster over a letter tile (the title's initial on a colour picked from the movie
 * id): the tile shows while the picture loads, and stays when there is none or it fails.
 */
export function poster(movie, size = "") {
  const art = h(
    "div",
    { class: `poster ${size}`, "aria-hidden": "true", dataset: { poster: "tile" } },
    h("span", { text: movie.title.trim().charAt(0) }),
  );
  art.style.setProperty("--hue", String((movie.id * 47) % 360));
  if (movie.poster_url) {
    const picture = h("img", {
      src: movie.poster_url,
      alt: "",
      loading: "lazy",
      decoding: "async",
      referrerpolicy: "no-referrer",
    });
    Object.assign(picture.style, POSTER_IMAGE_STYLE);
    Object.assign(art.style, { position: "relative", overflow: "hidden" });
    picture.addEventListener("load", () => (art.dataset.poster = "image"));
    picture.addEventListener("error", () => {
      picture.remove();
      art.dataset.poster = "tile";
    });
    art.append(picture);
  }
  return art;
}

export function movieMeta(movie) {
  return [movie.year, `${movie.duration} min`, movie.age_rating].filter(Boolean).join(" · ");
}

export function genreChips(movie) {
  return h(
    "ul",
    { class: "chips", "aria-label": "Genres" },
    movie.genres.map((genre) => h("li", { class: "chip", text: genre.name })),
  );
}

function card(movie) {
  return h(
    "li",
    { class: "movie-card" },
    h(
      "a",
      { href: `#/movies/${movie.id}`, class: "movie-card__link" },
      poster(movie),
      h(
        "div",
        { class: "movie-card__body" },
        h("h2", { class: "movie-card__title", text: movie.title }),
        h("p", { class: "muted", text: movieMeta(movie) }),
        genreChips(movie),
        h("span", {
          class: `badge badge--${movie.movie_status}`,
          text: STATUS_NAMES[movie.movie_status],
        }),
      ),
    ),
  );
}

export function render(main, { query }) {
  const status = query.get("status") ?? "now_showing";
  const text = query.get("q") ?? "";
  const list = h("ul", { class: "movie-grid", "aria-live": "polite", "aria-busy": "true" });
  const more = h("button", {
    type: "button",
    class: "button button--ghost",
    hidden: true,
    text: "Show more",
  });
  const search = h("input", {
    type: "search",
    name: "q",
    value: text,
    placeholder: "Search titles and descriptions",
    "aria-label": "Search movies",
    maxlength: "200",
    autocomplete: "off",
  });
  const form = h(
    "form",
    {
      class: "toolbar",
      role: "search",
      on: {
        submit: (event) => {
          event.preventDefault();
          navigate(status, search.value.trim());
        },
      },
    },
    search,
    h("button", { type: "submit", class: "button", text: "Search" }),
  );
  const filters = h(
    "div",
    { class: "segmented", role: "group", "aria-label": "Show" },
    FILTERS.map(([value, label]) =>
      h("a", {
        href: link(value, text),
        class: "segmented__item",
        "aria-current": value === status ? "page" : null,
        text: label,
      }),
    ),
  );
  replace(
    main,
    h("h1", { text: "Movies" }),
    form,
    filters,
    list,
    h("div", { class: "more" }, more),
  );

  let page = 0;
  let shown = 0;
  async function load() {
    page += 1;
    more.disabled = true;
    const params = new URLSearchParams({ page: String(page), page_size: String(PAGE_SIZE) });
    if (status) params.set("status", status);
    if (text) params.set("q", text);
    try {
      const data = await get(`/api/movies?${params}`);
      list.append(...data.items.map(card));
      shown += data.items.length;
      more.hidden = shown >= data.total;
      if (data.total === 0)
        list.append(
          h("li", {
            class: "empty",
            text: text ? `No movies match “${text}”.` : "No movies here yet.",
          }),
        );
    } catch (error) {
      showError(error, "Could not load movies: ");
    } finally {
      more.disabled = false;
      list.setAttribute("aria-busy", "false");
    }
  }
  more.addEventListener("click", load);
  load();
}

function link(status, text) {
  const params = new URLSearchParams();
  if (status !== "now_showing") params.set("status", status);
  if (text) params.set("q", text);
  const query = params.toString();
  return query ? `#/?${query}` : "#/";
}

function navigate(status, text) {
  location.hash = link(status, text);
}
