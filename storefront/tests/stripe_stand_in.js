// A stand-in for Stripe.js in the browser tests: just the calls the storefront makes, each recorded in
// window.stripeCalls. confirmPayment answers nothing, as Stripe.js does while it takes the customer to return_url.
window.stripeCalls = [];
window.Stripe = function Stripe(publishableKey) {
  window.stripeCalls.push({ call: "Stripe", publishableKey });
  return {
    elements({ clientSecret }) {
      window.stripeCalls.push({ call: "elements", clientSecret });
      const elements = {
        create(type) {
          window.stripeCalls.push({ call: "create", type });
          return {
            mount(selector) {
              window.stripeCalls.push({ call: "mount", selector });
              document.querySelector(selector).textContent = "Card number, expiry and CVC (stand-in)";
            },
          };
        },
      };
      this.mounted = elements;
      return elements;
    },
    confirmPayment({ elements, confirmParams }) {
      window.stripeCalls.push({
        call: "confirmPayment", sameElements: elements === this.mounted, returnUrl: confirmParams.return_url,
      });
      return new Promise(() => {});
    },
  };
};
